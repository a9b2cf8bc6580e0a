"""The installed wheel carries everything the product needs at run time."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installed_in_new_environment_runs_init_from_elsewhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("procurement-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "procurement/_migrations/env.py" in names
    assert any(n.startswith("procurement/_migrations/versions/0001") for n in names)
    assert "procurement/data/cpv-2008-en.csv" in names
    assert "procurement/_reports/templates/report.html" in names
    assert "procurement/exchange/ocds/schemas/1.1/release-package-schema.json" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The new environment gets the wheel itself; its dependencies are taken from the
    # development environment's site-packages (added as a plain path, so the checkout's
    # editable install is not visible).
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    exe = venv / "bin" / "procurement"
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    where = subprocess.run(
        [str(python), "-c", "import procurement; print(procurement.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=elsewhere,
    ).stdout
    assert str(venv) in where  # the wheel, not the checkout
    first = subprocess.run(
        [str(exe), "--database", url, "init"], capture_output=True, text=True, cwd=elsewhere
    )
    assert first.returncode == 0, first.stderr
    assert "Database created" in first.stdout
    listed = subprocess.run(
        [str(exe), "--database", url, "city", "list", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        check=True,
    )
    assert len(json.loads(listed.stdout)) == 11
    # templates and schemas come from the wheel: a report and a validated OCDS export work
    case = subprocess.run(
        [
            str(exe),
            "--database",
            url,
            "--user",
            "t",
            "case",
            "add",
            "--no-input",
            "--city",
            "RIX",
            "--buyer",
            "Rīgas valstspilsētas pašvaldība",
            "--title",
            "Smart street lighting",
            "--category",
            "works",
            "--sector",
            "energy",
            "--procedure",
            "open",
            "--status",
            "planned",
            "-q",
        ],
        capture_output=True,
        text=True,
        cwd=elsewhere,
    )
    assert case.returncode == 0, case.stderr
    report = subprocess.run(
        [
            str(exe),
            "--database",
            url,
            "report",
            "case",
            case.stdout.strip(),
            "--output",
            "case.html",
        ],
        capture_output=True,
        text=True,
        cwd=elsewhere,
    )
    assert report.returncode == 0, report.stderr
    assert "Smart street lighting" in (elsewhere / "case.html").read_text()
    ocds = subprocess.run(
        [str(exe), "--database", url, "export", "--format", "ocds", "--validate", "-o", "o.json"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
    )
    assert ocds.returncode == 0, ocds.stderr
    assert json.loads((elsewhere / "o.json").read_text())["version"] == "1.1"
