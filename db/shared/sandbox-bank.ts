// The sandbox bank's refusal, the same class whichever database holds its accounts.
export class DuplicateCardError extends Error {
  constructor() {
    super('A bank account with this card number already exists.');
    this.name = 'DuplicateCardError';
  }
}
