import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { consoleJourney, owner, press, say, sentTo } from './helpers.ts';

describe.each(TEST_DATABASES)('the journey in the weekly digest ($name)', (kind) => {
  const t = consoleJourney(kind);

  it('shows the funnel and its movement, referrals, series results and the council; the chart has the funnel', async () => {
    await owner(t.app, 'series create welcome news');
    await owner(t.app, 'series step welcome now Hello and welcome! [Menu](https://example.com/menu)');
    await owner(t.app, 'rewards set council: 1 referral');
    await say(t.app, 'telegram', 'vic', '/topics'); // a visitor
    await say(t.app, 'telegram', 'amy', '/subscribe news'); // audience
    const code = /\/join ([A-Z0-9]{8})/.exec(await say(t.app, 'x', 'ref', '/invite'))?.[1] ?? '';
    await say(t.app, 'discord', 'newbie', `/join ${code}`); // ref reaches community and the council
    await say(t.app, 'discord', 'newbie', '/subscribe news');
    await owner(t.app, 'customer discord:newbie'); // customer
    const [hello] = await until(
      () => sentTo(t.app, 'telegram', 'amy').filter((e) => e.text === 'Hello and welcome!'),
      'amy step 1',
    );
    await press(t.app, 'telegram', 'amy', 'series.link', hello?.buttons?.[0]?.[0]?.value ?? '');
    await until(
      async () =>
        (await t.database.prisma.outbox.count({
          where: { dedupeKey: { startsWith: 'series:' }, status: 'sent' },
        })) === 2,
      'both welcomes sent',
    );

    const weekly = t.app.hearth.features
      .flatMap((f) => f.jobs ?? [])
      .find((j) => j.name === 'metrics.weekly-digest');
    const occurrence = new Date(Date.now() + 60_000);
    await weekly?.run(occurrence);
    const journey = await t.database.prisma.outbox.findFirstOrThrow({
      where: { dedupeKey: `metrics:weekly-digest:${occurrence.toISOString()}:journey` },
    });
    const text = (journey.payload as { text: string }).text;
    expect(text).toContain(
      'The customer journey, last 7 days\nFunnel: visitor 1 → audience 1 → customer 1 → community 1',
    );
    expect(text).toMatch(
      /Movement: 3 reached visitor, 2 reached audience, 1 reached customer, 1 reached community/,
    );
    expect(text).toContain('Referrals: 1 joined through invites (1 in all); top: x:ref (1)');
    expect(text).toContain('Series welcome (news): step 1: 2 reached, 1 clicks, 0 opted out');
    expect(text).toContain('Council and levels: council 1 (+1 new)');
    expect(await owner(t.app, 'journey')).toContain(
      'Funnel: visitor 1 → audience 1 → customer 1 → community 1',
    );

    const chart = await t.database.prisma.outbox.findFirstOrThrow({
      where: { dedupeKey: `metrics:weekly-digest:${occurrence.toISOString()}:chart` },
    });
    const content = chart.payload as { text: string; file: { contentBase64: string } };
    expect(content.text).toContain(
      'Below, members at each stage (visitor, audience, customer, community): 1, 1, 1, 1',
    );
    const image = decode(Buffer.from(content.file.contentBase64, 'base64'));
    expect([image.width, image.height]).toEqual([480, 400]);
    // The lower panel holds the funnel's green bars.
    const green = (y: number) => {
      for (let x = 0; x < image.width; x++) {
        const i = (y * image.width + x) * image.channels;
        if (image.data[i] === 46 && image.data[i + 1] === 125 && image.data[i + 2] === 50) return true;
      }
      return false;
    };
    expect(green(380)).toBe(true);
    expect(green(180)).toBe(false);
  });
});
