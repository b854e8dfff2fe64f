import { MloopError, notFound } from '../../src/core/errors.js';
import type { ModelVersions } from '../../src/serving/deployments/model-versions.js';

/** A registry stand-in: versions 1..N of any model, aliases in a map, alias moves recorded. */
export class FakeModelVersions implements ModelVersions {
  readonly aliases = new Map<string, number>();
  readonly moves: Array<{ model: string; alias: string; version: number; reason: string }> = [];
  /** When set, alias moves are refused with this message, as the registry refuses a gated version. */
  refuseMoves: string | undefined;

  constructor(
    private readonly versionCount = 3,
    aliases: Record<string, number> = { production: 1 },
  ) {
    for (const [alias, version] of Object.entries(aliases)) this.aliases.set(alias, version);
  }

  async resolve(model: string, ref: string): Promise<number> {
    if (/^\d+$/.test(ref)) {
      const version = Number(ref);
      if (version >= 1 && version <= this.versionCount) return version;
      throw notFound(`Model '${model}' has no version ${ref}`);
    }
    const version = this.aliases.get(ref);
    if (version === undefined) throw notFound(`Model '${model}' has no alias '${ref}'`);
    return version;
  }

  async promotionBlock(): Promise<string | undefined> {
    return this.refuseMoves;
  }

  async moveAlias(model: string, alias: string, version: number, reason: string): Promise<void> {
    if (this.refuseMoves) throw new MloopError('INVALID_STATE', this.refuseMoves, 'version');
    this.aliases.set(alias, version);
    this.moves.push({ model, alias, version, reason });
  }
}
