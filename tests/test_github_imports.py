"""Start-up: importing the engine leaves PyGithub's App-authentication dependencies (jwt, cryptography),
slack_sdk and the commands a run does not carry out unloaded; App authentication still works, loading them on
first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def test_importing_the_engine_loads_neither_jwt_nor_cryptography() -> None:
    loaded = python(
        "import sys, pmaction.engine, entrypoint.runner; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jwt', 'cryptography') and m != 'jwt'))"
    )

    assert loaded == "[]"


def test_github_app_authentication_still_signs_its_token_once_used() -> None:
    # A GitHub App's JWT is RS256-signed with cryptography: both load now, at the first use.
    out = python(
        "import sys, pmaction.github.client\n"
        "from cryptography.hazmat.primitives import serialization\n"
        "from cryptography.hazmat.primitives.asymmetric import rsa\n"
        "from github import Auth\n"
        "import jwt\n"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
        "pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,\n"
        "    serialization.NoEncryption()).decode()\n"
        "token = Auth.AppAuth(123, pem).create_jwt()\n"
        "claims = jwt.decode(token, key.public_key(), algorithms=['RS256'])\n"
        "print(claims['iss'], type(sys.modules['jwt']).__name__)\n"
    )

    assert out == "123 module"


def test_a_second_import_of_jwt_gets_the_real_module() -> None:
    out = python(
        "import pmaction.github, jwt; from jwt import PyJWT; import jwt as again; print(again.PyJWT is PyJWT)"
    )

    assert out == "True"


def test_a_run_without_slack_never_imports_slack_sdk() -> None:
    # The sync command imports the Slack edge; slack_sdk itself loads only when a client is made.
    loaded = python(
        "import sys, pmaction.engine, pmaction.commands.sync, pmaction.slack.client, entrypoint.runner; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'slack_sdk'))"
    )

    assert loaded == "[]"


def test_a_commands_module_is_imported_only_when_a_run_carries_it_out() -> None:
    # The entrypoint imports no command, nor the readers of a post-mortem's text (the config only names
    # their defaults): the first request goes out before them. The command a run carries out is imported
    # then, and only it.
    out = python(
        "import sys, entrypoint.__main__\n"
        "from pmaction.commands import command\n"
        "readers = ('pmaction.commands.', 'pmaction.timeline', 'pmaction.items.parse', "
        "'pmaction.text.stamps')\n"
        "mine = lambda: sorted(m for m in sys.modules if m.startswith(readers))\n"
        "print(mine())\n"
        "assert command('no such command') is None\n"
        "print(command('nag').__name__, [m for m in mine() if m.endswith(('.sync', '.report'))])\n"
    )

    assert out.splitlines() == ["[]", "nag []"]
