import type { Kysely } from 'kysely';
import { newId } from '../core/ids.ts';
import type { DatabaseSchema } from './schema.ts';

/** An administrative action as recorded: who did what, with which parameters, and what came of it. */
export interface AdminAction {
  id: string;
  at: number;
  actorKeyId: string;
  action: string;
  parameters: Record<string, unknown>;
  result: Record<string, unknown>;
}

export interface NewAdminAction {
  at: number;
  actorKeyId: string;
  action: string;
  parameters: Record<string, unknown>;
  result: Record<string, unknown>;
}

/**
 * The admin_actions table. Append-only by construction: there is no update or delete here. Takes a
 * Kysely instance or a transaction, so an action is recorded in the same transaction as its effect.
 */
export class AdminActionLog {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async append(action: NewAdminAction): Promise<AdminAction> {
    const id = newId('act');
    await this.db
      .insertInto('admin_actions')
      .values({
        id,
        at: action.at,
        actor_key_id: action.actorKeyId,
        action: action.action,
        parameters: JSON.stringify(action.parameters),
        result: JSON.stringify(action.result),
      })
      .execute();
    return { id, ...action };
  }

  /** The newest actions first, optionally of one kind. */
  async list(options: { action?: string; limit?: number } = {}): Promise<AdminAction[]> {
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 100)), 1000);
    let query = this.db.selectFrom('admin_actions').selectAll();
    if (options.action !== undefined) query = query.where('action', '=', options.action);
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      actorKeyId: row.actor_key_id,
      action: row.action,
      parameters: JSON.parse(row.parameters) as Record<string, unknown>,
      result: JSON.parse(row.result) as Record<string, unknown>,
    }));
  }
}
