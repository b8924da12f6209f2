#!/usr/bin/env python3
"""Writes the migration files of the inspection benchmark (scripts/bench-inspect.sh).

    gen.py ours    VERSIONS_DIR N [SHAPE]   # N migrate files <NNNNN>-<id>_step.rs
    gen.py alembic PROJECT_DIR  N [SHAPE]   # an Alembic project (alembic.ini, env.py, versions/)
    gen.py version-tables SRC.db DST.db TABLE...
                                    # DST.db: a fresh copy of only TABLEs (with
                                    # their indexes and rows) of SRC.db

Both sides get the same graph: revision i (1-based) has the id
sha256("bench-<i>")[:12] (12 lowercase hex digits, like the ids `revision`
and Alembic generate; hashed rather than sequential so that sorting by id does
not happen to give the topological order), creates table t_<i> with 3
columns and an index on `name`, and its downgrade drops both.

SHAPE `linear` (the default): revision i revises revision i-1 (the first
revises base). SHAPE `branched`: 25 sections of N // 25 revisions; each has a
trunk revision, two labelled branches off it (`b00`, `b01`, ... `b49`, each on
the branch's first revision) and a merge of the two, which the next section's
trunk revision revises; what N // 25 leaves over extends the last trunk. So 50
branches, 25 merges, one head.

Standard library only; deterministic output, so re-running it rewrites the
same bytes.
"""

import hashlib
import os
import sys


SECTIONS = 25


def graph(n, shape):
    """[(parents, labels)] of revisions 1..n, as indices (1-based)."""
    if shape == "linear":
        return [([i - 1] if i > 1 else [], []) for i in range(1, n + 1)]
    if shape != "branched":
        sys.exit(f"gen.py: unknown shape {shape!r}: linear or branched")
    size = n // SECTIONS
    if size < 4:
        sys.exit(f"gen.py: the branched shape needs N >= {4 * SECTIONS}")
    out = []
    head = None
    for section in range(SECTIONS):
        trunk = len(out) + 1
        out.append(([head] if head else [], []))
        left = (size - 2) // 2
        right = size - 2 - left
        ends = []
        for branch, length in ((2 * section, left), (2 * section + 1, right)):
            prev = trunk
            for k in range(length):
                out.append(([prev], [f"b{branch:02d}"] if k == 0 else []))
                prev = len(out)
            ends.append(prev)
        out.append((ends, []))
        head = len(out)
    while len(out) < n:
        out.append(([len(out)], []))
    return out


def ids(n):
    out = [hashlib.sha256(f"bench-{i}".encode()).hexdigest()[:12] for i in range(1, n + 1)]
    if len(set(out)) != n:
        sys.exit("gen.py: id collision; change the id scheme")
    return out


OURS = """\
//! step {i} of {n}: create t_{i}
//!
//! Revision ID: {id}
//! Revises: {parent_doc}

use migrate_core::migration;

#[migration(id = "{id}", revises = {revises}, message = "create t_{i}"{labels})]
pub mod step_{i} {{
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {{
        m.create_table(
            Table::new("t_{i}")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("name").string(100))
                .column(Column::new("created_at").timestamptz().default_now()),
        );
        m.create_index(Index::new("ix_t_{i}_name").on("t_{i}", ["name"]));
    }}

    pub fn downgrade(m: &mut Migration) {{
        m.drop_index("t_{i}", "ix_t_{i}_name");
        m.drop_table("t_{i}");
    }}
}}
"""

# One model per table, as the application would declare them: what
# `revision --autogenerate` and `check` compare the migrations with.
OURS_MODEL = """\
#[derive(Model)]
#[model(table = "t_{i}", index(name = "ix_t_{i}_name", columns("name")))]
pub struct T{i} {{
    #[model(identity)]
    pub id: i64,
    #[model(length = 100)]
    pub name: String,
    #[model(default_now)]
    pub created_at: chrono::DateTime<chrono::Utc>,
}}
"""

# The same tables as SQLAlchemy metadata, for `alembic revision
# --autogenerate` and `alembic check`.
ALEMBIC_MODEL = """\
sa.Table(
    "t_{i}",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("ix_t_{i}_name", "name"),
)
"""

ALEMBIC = '''\
"""create t_{i}

Revision ID: {id}
Revises: {parent_doc}
Create Date: 2026-01-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "{id}"
down_revision = {parent}
branch_labels = {labels}
depends_on = None


def upgrade():
    op.create_table(
        "t_{i}",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_t_{i}_name", "t_{i}", ["name"])


def downgrade():
    op.drop_index("ix_t_{i}_name", table_name="t_{i}")
    op.drop_table("t_{i}")
'''

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s
# the database URL comes from BENCH_ALEMBIC_URL (see env.py)

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

# The stock "generic" template's env.py, online mode only, with one
# transaction per migration as migrate does.
ALEMBIC_ENV = """\
import os

from alembic import context
from sqlalchemy import create_engine, pool

url = os.environ["BENCH_ALEMBIC_URL"]

# The models, for `revision --autogenerate` and `check` only: importing N
# tables would slow every other command down.
target_metadata = None
if os.environ.get("BENCH_ALEMBIC_MODELS"):
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    import models

    target_metadata = models.metadata


def run_migrations_offline():
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""

ALEMBIC_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""
from alembic import op
import sqlalchemy as sa

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''


def write(path, text):
    """Writes only when the content differs, so that mtimes (and cargo's
    fingerprints) stay put on a re-run."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def ours(versions, n, shape):
    os.makedirs(versions, exist_ok=True)
    all_ids = ids(n)
    wanted = set()
    for i, (rid, (parents, labels)) in enumerate(zip(all_ids, graph(n, shape)), start=1):
        parent_ids = [all_ids[p - 1] for p in parents]
        if not parent_ids:
            revises = '"base"'
        elif len(parent_ids) == 1:
            revises = f'"{parent_ids[0]}"'
        else:
            revises = "[" + ", ".join(f'"{p}"' for p in parent_ids) + "]"
        labels_key = "".join(f', branch_labels = "{label}"' for label in labels)
        name = f"{i:05d}-{rid}_step.rs"
        wanted.add(name)
        write(
            os.path.join(versions, name),
            OURS.format(
                i=i,
                n=n,
                id=rid,
                revises=revises,
                labels=labels_key,
                parent_doc=", ".join(parent_ids) or "base",
            ),
        )
    models(os.path.dirname(os.path.normpath(versions)), n)
    # Anything else in versions/ (the migration `init` wrote, or files of a
    # larger N) would change the graph.
    for name in os.listdir(versions):
        if name not in wanted:
            os.remove(os.path.join(versions, name))


def models(src, n):
    """src/models.rs with a model per table, linked from lib.rs; chrono in
    the crate's dependencies for the timestamps."""
    text = "//! The tables the migrations create, as models.\n\nuse migrate_core::Model;\n\n"
    text += "\n".join(OURS_MODEL.format(i=i) for i in range(1, n + 1))
    write(os.path.join(src, "models.rs"), text)
    lib = os.path.join(src, "lib.rs")
    with open(lib, encoding="utf-8") as f:
        lib_text = f.read()
    if "pub mod models;" not in lib_text:
        # After the crate's inner doc comment, which must come first.
        lines = lib_text.splitlines(keepends=True)
        at = next((i for i, line in enumerate(lines) if not line.startswith("//!")), len(lines))
        lines.insert(at, "\npub mod models;\n")
        write(lib, "".join(lines))
    manifest = os.path.join(os.path.dirname(src), "Cargo.toml")
    with open(manifest, encoding="utf-8") as f:
        manifest_text = f.read()
    if "\nchrono = " not in manifest_text:
        write(
            manifest,
            manifest_text.replace(
                "[dependencies]\n",
                '[dependencies]\nchrono = { version = "0.4", default-features = false, features = ["clock", "std", "serde"] }\n',
                1,
            ),
        )


def alembic(project, n, shape):
    versions = os.path.join(project, "versions")
    os.makedirs(versions, exist_ok=True)
    write(os.path.join(project, "alembic.ini"), ALEMBIC_INI)
    write(os.path.join(project, "env.py"), ALEMBIC_ENV)
    write(os.path.join(project, "script.py.mako"), ALEMBIC_MAKO)
    write(
        os.path.join(project, "models.py"),
        "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n\n"
        + "\n".join(ALEMBIC_MODEL.format(i=i) for i in range(1, n + 1)),
    )
    all_ids = ids(n)
    wanted = set()
    for i, (rid, (parents, labels)) in enumerate(zip(all_ids, graph(n, shape)), start=1):
        parent_ids = [all_ids[p - 1] for p in parents]
        if not parent_ids:
            parent = None
        elif len(parent_ids) == 1:
            parent = parent_ids[0]
        else:
            parent = tuple(parent_ids)
        name = f"{i:05d}_{rid}_step.py"
        wanted.add(name)
        write(
            os.path.join(versions, name),
            ALEMBIC.format(
                i=i,
                id=rid,
                parent=repr(parent),
                parent_doc=", ".join(parent_ids),
                labels=repr(tuple(labels)) if labels else "None",
            ),
        )
    for name in os.listdir(versions):
        if name.endswith(".py") and name not in wanted:
            os.remove(os.path.join(versions, name))


def version_tables(src, dst, tables):
    """The same version state without the N user tables: what `current` costs
    when SQLite does not have to parse a schema of 2 N objects."""
    import sqlite3

    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(dst + suffix):
            os.remove(dst + suffix)
    out = sqlite3.connect(dst)
    out.execute("ATTACH DATABASE ? AS src", (f"file:{src}?mode=ro",))
    marks = ",".join("?" * len(tables))
    rows = out.execute(
        f"SELECT type, name, sql FROM src.sqlite_master WHERE tbl_name IN ({marks}) "
        "AND sql IS NOT NULL ORDER BY type = 'index'",
        tables,
    ).fetchall()
    for kind, name, sql in rows:
        out.execute(sql)
        if kind == "table":
            out.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}"')
    out.commit()
    out.execute("DETACH DATABASE src")
    out.close()


def main(argv):
    if len(argv) >= 5 and argv[1] == "version-tables":
        version_tables(argv[2], argv[3], argv[4:])
        return
    if len(argv) not in (4, 5) or argv[1] not in ("ours", "alembic"):
        sys.exit(__doc__)
    n = int(argv[3])
    if n < 1:
        sys.exit("gen.py: N must be at least 1")
    shape = argv[4] if len(argv) == 5 else "linear"
    (ours if argv[1] == "ours" else alembic)(argv[2], n, shape)


if __name__ == "__main__":
    main(sys.argv)
