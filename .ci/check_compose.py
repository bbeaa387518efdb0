#!/usr/bin/env python3
"""Checks docker-compose.yml without a Docker daemon: it is YAML of the shape Compose reads,
every file it references exists (build contexts, Dockerfiles, env files, bind mounts), every
named volume and `depends_on` service is declared, every environment variable it gives the
wijkregie service is one the service reads (its name occurs in src/), every `${VAR}` it takes
from the shell is documented in docs/configuration.md or the file's own header, and the
variables the service needs behind a proxy or in a container are set.

Run from the repository root: `python3 .ci/check_compose.py [docker-compose.yml]`."""

import os
import re
import sys

import yaml

REQUIRED = {"wijkregie": ["DATABASE_URL", "WIJKREGIE_BIND", "WIJKREGIE_PUBLIC_URL"]}
# Read by libraries rather than by name in src/.
KNOWN_OUTSIDE_SRC = {"RUST_LOG"}
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")


def sources():
    text = []
    for folder, _, files in os.walk("src"):
        for name in files:
            if name.endswith(".rs"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    text.append(f.read())
    return "\n".join(text)


def environment_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        return {p[0]: (p[1] if len(p) > 1 else None) for p in pairs}
    return dict(env)


def check(path):
    problems = []
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    compose = yaml.safe_load(raw)
    if not isinstance(compose, dict) or not isinstance(compose.get("services"), dict):
        return [f"{path}: no `services` mapping"]
    base = os.path.dirname(os.path.abspath(path))
    services = compose["services"]
    volumes = set((compose.get("volumes") or {}).keys())
    src = sources()
    with open("docs/configuration.md", encoding="utf-8") as f:
        documented = f.read() + raw.split("services:", 1)[0]

    for name, service in services.items():
        where = f"services.{name}"
        if not isinstance(service, dict):
            problems.append(f"{where}: not a mapping")
            continue
        if "image" not in service and "build" not in service:
            problems.append(f"{where}: neither `image` nor `build`")
        build = service.get("build")
        if build is not None:
            context = build if isinstance(build, str) else build.get("context", ".")
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            context_dir = os.path.join(base, context)
            if not os.path.isdir(context_dir):
                problems.append(f"{where}.build: context {context!r} is not a folder")
            elif not os.path.isfile(os.path.join(context_dir, dockerfile)):
                problems.append(f"{where}.build: {dockerfile!r} missing in {context!r}")
        env_files = service.get("env_file") or []
        for env_file in [env_files] if isinstance(env_files, str) else env_files:
            file = env_file if isinstance(env_file, str) else env_file.get("path")
            if not os.path.isfile(os.path.join(base, file)):
                problems.append(f"{where}.env_file: {file!r} does not exist")
        depends = service.get("depends_on") or []
        for other in depends if isinstance(depends, list) else depends.keys():
            if other not in services:
                problems.append(f"{where}.depends_on: no service {other!r}")
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source")
            if source is None:
                continue
            if source.startswith((".", "/")):
                if not os.path.exists(os.path.join(base, source)):
                    problems.append(f"{where}.volumes: {source!r} does not exist")
            elif source not in volumes:
                problems.append(f"{where}.volumes: named volume {source!r} is not declared")
        for port in service.get("ports") or []:
            if not re.fullmatch(r"(\d{1,3}(\.\d{1,3}){3}:)?(\d+:)?\d+(/(tcp|udp))?", str(port)):
                problems.append(f"{where}.ports: {port!r} is not host:container")
        env = environment_of(service)
        if name == "wijkregie":
            for var in env:
                if var not in KNOWN_OUTSIDE_SRC and f'"{var}"' not in src:
                    problems.append(f"{where}.environment: {var} is not read by the service")
        for var in REQUIRED.get(name, []):
            if not env.get(var):
                problems.append(f"{where}.environment: {var} must be set")

    for var, _, _ in INTERPOLATION.findall(raw):
        if var not in documented:
            problems.append(f"${{{var}}} is taken from the shell but documented nowhere")
    return problems


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "docker-compose.yml"
    problems = check(path)
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"{path}: every referenced file, volume, service and variable checks out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
