/** The part of a Prisma transaction client the kit needs, so it works with every service's generated client. */
export interface SqlExecutor {
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
}
