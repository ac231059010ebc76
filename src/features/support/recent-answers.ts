/** Questions the bot answered recently, so a 👎 can hand off the customer's own words. */
export class RecentAnswers {
  private readonly questions = new Map<string, string>();

  constructor(private readonly limit = 2000) {}

  remember(memberId: string, faqId: string, question: string): void {
    const key = `${memberId}\u0000${faqId}`;
    this.questions.delete(key);
    this.questions.set(key, question);
    if (this.questions.size > this.limit) {
      const oldest = this.questions.keys().next().value;
      if (oldest !== undefined) this.questions.delete(oldest);
    }
  }

  take(memberId: string, faqId: string): string | undefined {
    const key = `${memberId}\u0000${faqId}`;
    const question = this.questions.get(key);
    this.questions.delete(key);
    return question;
  }
}
