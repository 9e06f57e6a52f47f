"""ledger: on PostgreSQL, a retirement is written by one function call (ledger_retire)

Revision ID: b7d2f0c4e9a1
Revises: a1c9e5d7f3b2
Create Date: 2026-12-08 01:40:00

The function does in the database what ledger.retirement does statement by statement on SQLite: write the
retirement row (unless the account is unknown or the idempotency key was used: then it returns no row), take the
account's held ex-post blocks in the policy's order (passing over blocks other retirements are claiming, then
queueing behind them when only those are left), retire whole blocks and split the last one (head retired, tail
held), and write one retirement part per block. It returns what the log entries need; when the account runs
short it writes nothing more and returns one row 'short' with the tonnes the account holds. One round trip
instead of one per statement: with many concurrent retirements the clients' time per statement, not the
database's, bounded their rate.
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'b7d2f0c4e9a1'
down_revision: str | None = 'a1c9e5d7f3b2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The policy's order (ledger.blocks.policy_order): preferred blocks first (a project type or a province, when
# given), then oldest vintage, lowest serial, namespace, id.
_PICK = """
      SELECT cb.*, cp.registry_project_id AS project_registry_project_id
        FROM credit_block cb JOIN credit_project cp ON cp.id = cb.project_id
       WHERE cb.account_id = p_account AND cb.status = 'held' AND NOT cb.is_ex_ante
         AND cb.id <> ALL (tried)
       ORDER BY CASE WHEN cp.project_type = p_prefer_type OR cp.province = p_prefer_province THEN 0 ELSE 1 END,
                cb.vintage, cb.serial_start, cb.serial_namespace, cb.id
       LIMIT 1"""

CLAIM_FUNCTION = f"""
CREATE FUNCTION ledger_retire(p_public_id text, p_account integer, p_tonnes bigint, p_subject_kind text,
                              p_subject_id bigint, p_beneficiary text, p_reason text, p_policy text, p_key text,
                              p_recorded_by integer, p_now timestamptz, p_prefer_type text, p_prefer_province text)
RETURNS TABLE (role text, id integer, project_id integer, account_id integer, registry_name text,
               serial_namespace text, vintage integer, serial_start bigint, serial_end bigint, quantity bigint,
               status text, registry_project_id text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  remaining bigint := p_tonnes;
  tried bigint[] := '{{}}';
  b record;
  head_id integer;
  tail_id integer;
  head_end bigint;
  p_retirement integer;
BEGIN
  INSERT INTO retirement (public_id, account_id, tonnes, subject_kind, subject_id, beneficiary, reason, policy,
                          idempotency_key, recorded_by_id, created_at)
  SELECT p_public_id, a.id, p_tonnes, p_subject_kind, p_subject_id, p_beneficiary, p_reason, p_policy, p_key,
         p_recorded_by, p_now FROM ledger_account a WHERE a.id = p_account
  ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING retirement.id INTO p_retirement;
  IF p_retirement IS NULL THEN
    RETURN;  -- nothing written: the caller says why (an unknown account, or the key's first retirement)
  END IF;
  RETURN QUERY SELECT 'retirement'::text, p_retirement, NULL::integer, p_account, NULL::text, NULL::text,
         NULL::integer, NULL::bigint, NULL::bigint, p_tonnes, NULL::text, NULL::text;
  WHILE remaining > 0 LOOP
    -- The first block no other retirement is claiming. When every remaining block is being claimed, wait for
    -- the first one's claimer to finish and look again (each statement sees what committed before it).
    LOOP
      {_PICK} FOR UPDATE OF cb SKIP LOCKED INTO b;
      EXIT WHEN FOUND;
      {_PICK} INTO b;
      IF NOT FOUND THEN
        RETURN QUERY SELECT 'short'::text, NULL::integer, NULL::integer, NULL::integer, NULL::text, NULL::text,
               NULL::integer, NULL::bigint, NULL::bigint,
               (SELECT COALESCE(SUM(h.quantity), 0)::bigint + p_tonnes - remaining FROM credit_block h
                 WHERE h.account_id = p_account AND h.status = 'held' AND NOT h.is_ex_ante),
               NULL::text, NULL::text;
        RETURN;
      END IF;
      PERFORM 1 FROM credit_block w WHERE w.id = b.id AND w.status = 'held' FOR UPDATE;
    END LOOP;
    tried := tried || b.id;
    IF b.quantity <= remaining THEN
      UPDATE credit_block SET status = 'retired', retirement_id = p_retirement WHERE credit_block.id = b.id;
      head_id := b.id;
      head_end := b.serial_end;
    ELSE
      head_end := b.serial_start + remaining - 1;
      -- The parent is marked split before its parts exist: live blocks never overlap.
      UPDATE credit_block SET status = 'split' WHERE credit_block.id = b.id;
      INSERT INTO credit_block (project_id, account_id, registry_name, serial_namespace, serial_start, serial_end,
                                quantity, vintage, vintage_start, vintage_end, serial_text, is_ex_ante, status,
                                parent_id, issuance_id, retirement_id, invalidation_id, created_at)
      VALUES (b.project_id, b.account_id, b.registry_name, b.serial_namespace, b.serial_start, head_end,
              head_end - b.serial_start + 1, b.vintage, b.vintage_start, b.vintage_end, b.serial_text,
              b.is_ex_ante, 'retired', b.id, b.issuance_id, p_retirement, b.invalidation_id, p_now)
      RETURNING credit_block.id INTO head_id;
      INSERT INTO credit_block (project_id, account_id, registry_name, serial_namespace, serial_start, serial_end,
                                quantity, vintage, vintage_start, vintage_end, serial_text, is_ex_ante, status,
                                parent_id, issuance_id, retirement_id, invalidation_id, created_at)
      VALUES (b.project_id, b.account_id, b.registry_name, b.serial_namespace, head_end + 1, b.serial_end,
              b.serial_end - head_end, b.vintage, b.vintage_start, b.vintage_end, b.serial_text, b.is_ex_ante,
              'held', b.id, b.issuance_id, b.retirement_id, b.invalidation_id, p_now)
      RETURNING credit_block.id INTO tail_id;
      RETURN QUERY SELECT 'split'::text, b.id, b.project_id, b.account_id, b.registry_name::text,
             b.serial_namespace::text, b.vintage, b.serial_start, b.serial_end, b.quantity, 'split'::text,
             b.project_registry_project_id::text;
      RETURN QUERY SELECT 'piece'::text, head_id, b.project_id, b.account_id, b.registry_name::text,
             b.serial_namespace::text, b.vintage, b.serial_start, head_end, head_end - b.serial_start + 1,
             'retired'::text, b.project_registry_project_id::text;
      RETURN QUERY SELECT 'piece'::text, tail_id, b.project_id, b.account_id, b.registry_name::text,
             b.serial_namespace::text, b.vintage, head_end + 1, b.serial_end, b.serial_end - head_end,
             'held'::text, b.project_registry_project_id::text;
    END IF;
    INSERT INTO retirement_part (retirement_id, block_id, project_id, vintage, serial_start, serial_end, quantity)
    VALUES (p_retirement, head_id, b.project_id, b.vintage, b.serial_start, head_end,
            head_end - b.serial_start + 1);
    RETURN QUERY SELECT 'part'::text, head_id, b.project_id, b.account_id, b.registry_name::text,
           b.serial_namespace::text, b.vintage, b.serial_start, head_end, head_end - b.serial_start + 1,
           'retired'::text, b.project_registry_project_id::text;
    remaining := remaining - (head_end - b.serial_start + 1);
  END LOOP;
END $$"""  # noqa: S608 (built from the constant _PICK)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CLAIM_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_retire(text, integer, bigint, text, bigint, text, text, text, "
                   "text, integer, timestamptz, text, text)")
