"""The linter side by side with squawk, on the same migrations.

For each migrations binary given (label=path), reads its revisions
(`history --format json`), writes each revision's PostgreSQL offline SQL
(`upgrade --sql PARENT:REV`) to a file, runs squawk on every file at once
(`--reporter json`), runs `lint --format json` once, and writes a Markdown
report: per revision, what each tool found, the disagreements and why.

Each squawk rule maps to the rule of ours that is about the same thing
(SAME); every finding that one tool reports and the other does not must be
explained by EXPLAIN, keyed by (revision, rule): the report lists what is
not, and the script exits 1 if anything is left unexplained.
"""

import argparse
import json
import pathlib
import subprocess
import sys
from collections import Counter

# squawk rule -> our rule about the same thing.
SAME = {
    "require-concurrent-index-creation": "index-not-concurrent",
    "require-concurrent-index-deletion": "drop-index-not-concurrent",
    "ban-concurrent-index-creation-in-transaction": "concurrently-in-transaction",
    "adding-foreign-key-constraint": "foreign-key-validating",
    "constraint-missing-not-valid": "check-validating",
    "adding-not-nullable-field": "set-not-null",
    "adding-required-field": "adding-required-column",
    "adding-field-with-default": "volatile-default",
    "adding-primary-key-constraint": "primary-key-on-existing-table",
    "disallowed-unique-constraint": "unique-on-existing-table",
    "ban-drop-column": "drop-column",
    "ban-drop-table": "drop-table",
    "ban-drop-database": "drop-schema",
    "ban-drop-schema": "drop-schema",
    "ban-drop-not-null": "drop-not-null",
    "changing-column-type": "rewriting-type",
    "renaming-column": "rename-column",
    "renaming-table": "rename-table",
    "prefer-bigint-over-int": "int-key",
    "prefer-bigint-over-smallint": "int-key",
    "prefer-big-int": "int-key",
    "prefer-text-field": "prefer-text",
    "ban-char-field": "prefer-text",
    "prefer-timestamptz": "prefer-timestamptz",
    "prefer-timestamp-tz": "prefer-timestamptz",
    "syntax-error": "raw-sql-unanalysed",
    "require-enum-value-ordering": "enum-value-order",
    "renaming-object": "enum-change",
    "prefer-identity": "prefer-identity",
    "prefer-robust-stmts": "not-retry-safe",
    "require-lock-timeout": "missing-lock-timeout",
    "require-statement-timeout": "missing-statement-timeout",
    "ban-truncate-cascade": "blocking-maintenance",
    "adding-serial-primary-key-field": "adding-identity-column",
}

# Why one tool reports a finding and the other does not. Keys: (revision,
# our rule) for one revision, or ("*", rule) for every revision; the rule is
# ours, or squawk's where it maps to none of ours.
EXPLAIN = {
    # --- squawk only ---
    ("*", "not-retry-safe"): "squawk's prefer-robust-stmts wants IF NOT EXISTS / IF EXISTS on every statement so that a half-run file can run again; our steps run in a transaction, or in phases whose progress the audit table records, so a run never meets half a migration: we flag only a statement outside the transaction that cannot run twice",
    ("*", "missing-statement-timeout"): "squawk wants a statement_timeout before every slow statement; we set one for transactions of typed schema changes only, and on purpose never bound index builds, validations, data changes or raw SQL (a timeout there would fail a long but harmless build)",
    ("*", "missing-lock-timeout"): "squawk wants a lock_timeout before a statement that locks; ours is set in every transaction (SET LOCAL) but not for statements that run on their own outside one (CONCURRENTLY, VALIDATE, VACUUM), which take no lock that reads or writes wait for",
    ("*", "transaction-nesting"): "squawk sees our BEGIN/COMMIT around a step and warns that a migration tool may wrap it again; ours are the only ones",
    ("*", "int-key"): "squawk's prefer-bigint-over-int flags every integer column; ours only primary keys, where running out of values stops inserts",
    ("*", "ban-drop-constraint"): "the run's online SET NOT NULL ends by dropping the temporary check that proved it (migrate_nn_...); nothing of the schema is lost",
    ("*", "unique-on-existing-table"): "squawk sees the run's online form (a unique index built CONCURRENTLY, then ADD CONSTRAINT .. USING INDEX) and accepts it; ours still warns, from the plan, that repeated values in the rows make the build fail",
    ("example", "prefer-text"): "the example's migrate.toml leaves the PostgreSQL advice rules off (their default); the corpus turns them on",
    ("example", "prefer-identity"): "the example's migrate.toml leaves the PostgreSQL advice rules off (their default)",
    ("example", "prefer-timestamptz"): "the example's migrate.toml leaves the PostgreSQL advice rules off (their default)",
    ("c41d07e85b92", "index-not-concurrent"): "the migration runs as written (blocking_ddl) and allows each build, with the reason (its tables shipped in the same release, empty): an allowed finding is not reported",
    ("c039", "missing-statement-timeout"): "squawk takes any SET statement_timeout as enough, even one that turns it off",
    ("c044", "enum-value-order"): "needs the schema: no index orders by the enum, so where the new value sorts does not matter; squawk asks for BEFORE/AFTER on every ADD VALUE",
    ("c036", "primary-key-on-existing-table"): "a typed auto-increment column is the table's key: ours reports the key and the identity, squawk folds both into adding-serial-primary-key-field",
    ("c000", "index-not-concurrent"): "needs the schema: the table is created in the same migration, so it has no rows",
    ("c045", "index-not-concurrent"): "needs the schema: the table is created in the same migration, so it has no rows",
    ("c045", "foreign-key-validating"): "needs the schema: the table is created in the same migration, so the key has no rows to check",
    ("c006", "index-not-concurrent"): "needs the schema: the table is created in the same migration (raw SQL, replayed), so it has no rows",
    ("c019", "rewriting-type"): "needs the column's type before: varchar(40) to text is binary coercible, no rewrite",
    ("c017", "volatile-default"): "a constant default on PostgreSQL 11+ is stored in the catalog, no rewrite",
    # --- ours only ---
    ("*", "foreign-key-without-index"): "needs the schema: whether an index of the table leads with the key's columns",
    ("*", "unbatched-dml"): "squawk does not judge data changes",
    ("*", "narrowing-type"): "needs the column's type before: text to varchar(10) loses data",
    ("*", "enum-change"): "squawk has no rule for enums",
    ("*", "drop-foreign-key"): "squawk has no rule for dropping a foreign key",
    ("*", "identifier-too-long"): "squawk does not check name lengths",
    ("*", "adding-generated-column"): "squawk has no rule for stored generated columns",
    ("*", "blocking-maintenance"): "squawk has no rule for VACUUM FULL, CLUSTER or REINDEX",
    ("*", "prefer-jsonb"): "squawk has no json rule",
    ("*", "non-linear-history"): "a graph rule: squawk sees files, not a history",
    ("*", "enum-value-order"): "needs the schema: which indexes order by the enum",
}


def run(cmd, **kw):
    return subprocess.run(cmd, check=False, capture_output=True, text=True, **kw)


def revisions(binary):
    out = run([binary, "history", "--format", "json"])
    if out.returncode != 0:
        sys.exit(f"{binary} history: {out.stderr}")
    history = json.loads(out.stdout)["history"]
    # Newest first; the corpus and the example are chains with merges at most.
    return list(reversed(history))


def offline_sql(binary, rev):
    """The PostgreSQL script of one revision, from its first parent (no
    database is read: the URL only names the backend)."""
    parents = rev.get("revises") or []
    start = parents[0] if parents else "base"
    out = run([
        binary, "upgrade", "--sql", f"{start}:{rev['id']}",
        "--database-url", "postgres://localhost/offline",
    ])
    return (out.stdout if out.returncode == 0 else None), out.stderr


def lint(binary):
    out = run([binary, "lint", "--format", "json"])
    findings = json.loads(out.stdout)["findings"]
    by_rev = {}
    for f in findings:
        if "postgres" not in [b.lower() for b in f.get("backends", ["postgres"])]:
            continue
        by_rev.setdefault(f["revision"], set()).add(f["lint"])
    return by_rev


# A squawk rule that covers several of ours: the one of ours found in the
# same revision, else the first.
SEVERAL = {
    "constraint-missing-not-valid": ["foreign-key-validating", "check-validating"],
    "ban-drop-constraint": ["drop-foreign-key", "ban-drop-constraint"],
    "adding-field-with-default": ["adding-generated-column", "adding-identity-column", "volatile-default"],
}


def mapped(rule, ours):
    if rule in SEVERAL:
        choices = SEVERAL[rule]
        return next((c for c in choices if c in ours), choices[-1])
    return SAME.get(rule, rule)


def explain(label, rev, rule):
    return (
        EXPLAIN.get((rev, rule))
        or EXPLAIN.get((label, rule))
        or EXPLAIN.get(("*", rule))
    )


# The version tables' DDL and rows a script writes are ours, not the
# migration's: squawk does not see them.
BOOKKEEPING = ("migrate_heads", "migrate_audit", "migrate_backfill")


def migration_only(sql):
    """`sql` without the statements that touch the version tables (a
    statement ends with a line that ends in `;`; the audit row's plan
    spans lines)."""
    kept, statement = [], []
    for line in sql.splitlines():
        statement.append(line)
        if line.rstrip().endswith(";") or line.startswith("--") or not line.strip():
            text = "\n".join(statement)
            if not any(t in text for t in BOOKKEEPING):
                kept.append(text)
            statement = []
    kept.extend(statement)
    return "\n".join(kept) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--squawk", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("binaries", nargs="+", help="label=path")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    (out / "sql").mkdir(parents=True, exist_ok=True)
    rows, unexplained = [], []
    totals = Counter()
    notes_index = {}  # explanation -> its number in the report
    per_rule = {}
    for spec in args.binaries:
        label, binary = spec.split("=", 1)
        ours = lint(binary)
        files = {}
        for rev in revisions(binary):
            sql, err = offline_sql(binary, rev)
            if sql is None:
                reason = err.strip().split(";")[0].removeprefix("error: ")
                rows.append((label, rev["id"], rev.get("message", ""), "-", "-", f"no offline SQL ({reason})"))
                continue
            path = out / "sql" / f"{label}-{rev['id']}.sql"
            path.write_text(migration_only(sql))
            files[str(path)] = rev
        report = run([args.squawk, "--reporter", "json", "--pg-version", "15", *files])
        theirs = {}
        for v in json.loads(report.stdout or "[]"):
            rev = files.get(v["file"]) or files.get(str(pathlib.Path(v["file"]).resolve()))
            if rev is None:
                continue
            theirs.setdefault(rev["id"], set()).add(mapped(v["rule_name"], ours.get(rev["id"], set())))
        for path, rev in files.items():
            rid = rev["id"]
            a, b = ours.get(rid, set()), theirs.get(rid, set())
            notes = []
            for rule in sorted(a | b):
                per_rule.setdefault(rule, Counter())
                side = "both" if rule in a and rule in b else ("ours" if rule in a else "squawk")
                totals[side] += 1
                per_rule[rule][side] += 1
                if side == "both":
                    continue
                why = explain(label, rid, rule)
                if why is None:
                    unexplained.append(f"{label} {rid} {rule} ({side} only)")
                    notes.append(f"{rule} ({side} only): UNEXPLAINED")
                    continue
                number = notes_index.setdefault(why, len(notes_index) + 1)
                notes.append(f"{rule} ({side} only) [{number}]")
            rows.append((
                label, rid, rev.get("message", ""),
                ", ".join(sorted(a)) or "-",
                ", ".join(sorted(b)) or "-",
                "; ".join(notes) or "agree",
            ))
    lines = [
        "| crate | revision | change | ours | squawk (mapped to our rule ids) | disagreements |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in r) + " |")
    lines.append("")
    lines.append(f"Findings reported by both: {totals['both']}; by ours only: {totals['ours']}; by squawk only: {totals['squawk']}; revisions: {len(rows)}.")
    lines.append("")
    lines.append("| rule (ours, or squawk's where none of ours matches) | both | ours only | squawk only |")
    lines.append("| --- | ---: | ---: | ---: |")
    for rule, c in sorted(per_rule.items()):
        lines.append(f"| `{rule}` | {c['both']} | {c['ours']} | {c['squawk']} |")
    lines.append("")
    lines.append("Why they disagree:")
    lines.append("")
    for why, number in notes_index.items():
        lines.append(f"{number}. {why}")
    if unexplained:
        lines.append("")
        lines.append("Unexplained: " + ", ".join(unexplained))
    (out / "squawk.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
