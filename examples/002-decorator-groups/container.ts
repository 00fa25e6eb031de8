/**
 * A dependency-injection container, as small as one can be (the seed used InversifyJS; any container with a
 * `get(Class)` works the same way with registerJobs' `resolve`).
 */
type Token<T> = abstract new (...args: never[]) => T;

export class Container {
  private readonly factories = new Map<Token<unknown>, (c: Container) => unknown>();
  private readonly instances = new Map<Token<unknown>, unknown>();

  bind<T>(token: Token<T>, factory: (c: Container) => T): this {
    this.factories.set(token, factory);
    return this;
  }

  /** One instance per token (singleton scope), made on first use. */
  get<T>(token: Token<T>): T {
    if (!this.instances.has(token)) {
      const factory = this.factories.get(token);
      if (!factory) throw new Error(`nothing bound to ${token.name}`);
      this.instances.set(token, factory(this));
    }
    return this.instances.get(token) as T;
  }
}
