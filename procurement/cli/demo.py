"""`procurement demo`: load the fictional illustrative data set and write every report."""

from __future__ import annotations

from pathlib import Path

import click

from procurement.cli.context import AppContext, pass_app


@click.command()
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/out"),
    show_default=True,
    help="Folder the reports are written to.",
)
@click.option("--seed", type=int, default=2026, show_default=True, help="Seed of the data set.")
@pass_app
def demo(app: AppContext, output_dir: Path, seed: int) -> None:
    """Load about 150 fictional cases (once) and write every report from them.

    Refuses a registry holding real cases: use a database of its own. Running it again
    keeps the demo cases and rewrites the reports.

    \b
    Example:
      procurement --database sqlite:///demo.sqlite init
      procurement --database sqlite:///demo.sqlite demo --output-dir reports/out
    """
    from procurement.demo.run import load_demo_data, write_demo_reports

    count, loaded = app.run_in_transaction(
        lambda session: load_demo_data(session=session, user=app.username, seed=seed)
    )
    verb = "loaded" if loaded else "already present:"
    click.echo(f"demo data {verb} {count} fictional cases")
    with app.read_session() as session:
        files = write_demo_reports(session=session, output_dir=output_dir)
    for path in files:
        click.echo(str(path))
