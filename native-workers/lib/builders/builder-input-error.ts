/** The one error the geometry builders throw for input they cannot build from; the message says what to change. */
export class BuilderInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuilderInputError';
  }
}
