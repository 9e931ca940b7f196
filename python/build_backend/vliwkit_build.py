"""A PEP 517 build backend for the vliwkit package, standard library only.

setuptools would work too, but pip builds in an isolated environment that
it fills from a package index, so `pip install ./python` would fail
offline.  This backend needs nothing: it zips vliwkit/ into a pure-Python
wheel whose metadata comes from pyproject.toml's [project] table (name,
version, description, requires-python, scripts).
"""
import base64
import hashlib
import os
import re
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _project():
    """The [project] table: flat `key = "value"` lines and [project.scripts]."""
    project, scripts, table = {}, {}, None
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line.startswith("["):
                table = line.strip("[]")
                continue
            m = re.fullmatch(r'([\w.-]+)\s*=\s*"([^"]*)"', line)
            if m and table == "project":
                project[m.group(1)] = m.group(2)
            elif m and table == "project.scripts":
                scripts[m.group(1)] = m.group(2)
    return project, scripts


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """The package's modules, copied into the wheel."""
    name = _project()[0]["name"]
    files = {}
    package = os.path.join(HERE, name)
    for entry in sorted(os.listdir(package)):
        if entry.endswith(".py"):
            with open(os.path.join(package, entry), "rb") as f:
                files[f"{name}/{entry}"] = f.read()
    return _wheel(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """pip install -e: a .pth file that puts this directory on sys.path."""
    name = _project()[0]["name"]
    return _wheel(wheel_directory, {f"{name}.pth": (HERE + "\n").encode()})


def _wheel(wheel_directory, files):
    project, scripts = _project()
    name, version = project["name"], project["version"]
    dist_info = f"{name}-{version}.dist-info"
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        f"Summary: {project.get('description', '')}\n"
        f"Requires-Python: {project.get('requires-python', '')}\n").encode()
    files[f"{dist_info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: vliwkit_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n").encode()
    if scripts:
        files[f"{dist_info}/entry_points.txt"] = ("[console_scripts]\n" + "".join(
            f"{k} = {v}\n" for k, v in scripts.items())).encode()
    record = [_record_line(n, d) for n, d in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()

    wheel = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            z.writestr(zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0)), d)
    return wheel
