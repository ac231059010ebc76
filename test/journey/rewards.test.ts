import { describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { consoleJourney, owner, press, say, sentTo, stageOf } from './helpers.ts';

describe.each(TEST_DATABASES)('rewards and the customer council ($name)', (kind) => {
  const t = consoleJourney(kind);

  it('owners see and set the rules in Slack', async () => {
    expect(await owner(t.app, 'rewards')).toContain(
      'council: 3 referral(s), or a customer with 5 poll vote(s), or invited by an owner · members: 0',
    );
    expect(await owner(t.app, 'rewards set council: 2 referrals or customer and 2 votes or invited')).toMatch(
      /^council: 2 referral\(s\), or a customer with 2 poll vote\(s\), or invited by an owner\./,
    );
    expect(await owner(t.app, 'rewards set council: 2 hugs')).toContain(`I don't understand "2 hugs"`);
  });

  it('/rewards shows progress in friendly words; reaching the council welcomes the member and tells the owners', async () => {
    expect(await say(t.app, 'telegram', 'mia', '/rewards')).toBe(
      'Thank you for being part of Hearth!\nTo join the council (early access, council-only events and news), any one of these is enough:\n' +
        '• 2 more friends joining through your invite (/invite)\n' +
        '• a purchase (send us the code on your receipt) and 2 more polls to vote in',
    );
    const code = /\/join ([A-Z0-9]{8})/.exec(await say(t.app, 'telegram', 'mia', '/invite'))?.[1] ?? '';
    await say(t.app, 'discord', 'friend1', `/join ${code}`);
    expect(await say(t.app, 'telegram', 'mia', '/rewards')).toContain(
      '• 1 more friend joining through your invite',
    );
    expect(await say(t.app, 'x', 'friend2', `/join ${code}`)).toContain("You came through mia's invite");
    const [welcome] = await until(
      () => sentTo(t.app, 'telegram', 'mia').filter((e) => e.text.startsWith('Welcome to the council!')),
      'the welcome',
    );
    expect(welcome?.buttons?.[0]?.[0]).toMatchObject({ label: 'Join the council topic', value: 'council' });
    await until(
      () =>
        sentTo(t.app, 'slack', '#owners').some(
          (e) =>
            e.text ===
            'telegram:mia (mia) reached council: 2 referral(s). They were welcomed and offered the council topic.',
        ),
      'the owners told',
    );
    expect(await stageOf(t.app, 'telegram', 'mia')).toBe('community');
    expect(await say(t.app, 'telegram', 'mia', '/rewards')).toContain("You're part of our council.");
  });

  it('only council members follow the council topic; council broadcasts and polls reach them alone', async () => {
    expect(await say(t.app, 'discord', 'friend1', '/subscribe council')).toBe(
      "The council topic is for our council members. Send /rewards to see the ways to join; we'd love to have you there.",
    );
    await say(t.app, 'discord', 'friend1', '/subscribe news');
    expect(await press(t.app, 'telegram', 'mia', 'journey.join-level', 'council')).toContain(
      "You're in: council news",
    );
    // An owner's invitation is another way in; the member without buttons is told how to follow.
    expect(await owner(t.app, 'rewards invite x:friend2')).toBe('Invited x:friend2. Their level: council.');
    await until(
      () =>
        sentTo(t.app, 'x', 'friend2').some((e) =>
          e.text.endsWith('Send /subscribe council to get them here.'),
        ),
      'friend2 welcomed',
    );
    expect(await say(t.app, 'x', 'friend2', '/subscribe council')).toContain("You're subscribed to council");
    await owner(t.app, 'announce --now council Council preview: the new rye, Friday');
    await until(
      () => sentTo(t.app, 'telegram', 'mia').some((e) => e.text.startsWith('Council preview')),
      'mia',
    );
    await until(
      () => sentTo(t.app, 'x', 'friend2').some((e) => e.text.startsWith('Council preview')),
      'friend2',
    );
    expect(await owner(t.app, 'poll --now "Council: which bread next?" "Rye" "Spelt" --to council')).toMatch(
      /Poll `/,
    );
    await until(
      () => sentTo(t.app, 'x', 'friend2').some((e) => e.text.includes('which bread next?')),
      'the poll',
    );
    expect(sentTo(t.app, 'discord', 'friend1').some((e) => e.text.includes('Council'))).toBe(false);
    expect(await owner(t.app, 'rewards')).toContain('members: 2');
    expect(await t.database.prisma.subscription.count({ where: { topic: 'council' } })).toBe(2);
  });
});
