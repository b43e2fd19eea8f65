"""Write the docs site's playbooks page (reStructuredText) from the playbooks themselves.

Playbooks are not plugins, so antsibull-docs does not document them. Everything on the page comes
from playbooks/*.yml, so it cannot drift from them: the header comment (prose, and the indented
command lines as a code block), each play's hosts, modules and roles, and every inventory variable
the playbook reads, with its default as written there (`| default(...)`; none means required) and
the module or role option it sets. The meaning of a variable comes from the README's variables
table (the one place it is written); a variable the table lacks, or a table row no playbook reads,
is reported on stderr.

    python tools/docs_playbooks.py [--readme README.md] [--playbooks playbooks] > playbooks.rst
"""

import argparse
import re
import sys
from pathlib import Path

import yaml

COLLECTION = "searchops.snapshots"
ROOT = Path(__file__).resolve().parent.parent

# an inventory variable read in an expression (not a quoted group name, not an attribute of a
# registered result), a host's variable read through hostvars, or map(attribute='...', default=...)
VARIABLE = re.compile(
    r"(?<![\w'\"/.])(?P<name>searchops_\w+)"
    r"|hostvars\[\w+\]\.(?P<hostvar>\w+)"
    r"|attribute='(?P<attribute>searchops_\w+)'(?:,\s*default=(?P<attribute_default>[^)]*))?"
)
DEFAULT = re.compile(r"(?:\.\w+)*\s*\|\s*default\(")
DEFINED = re.compile(r"\s+is\s+(?:not\s+)?defined\b")
SINGLE = re.compile(r"^\{\{\s*(\w+)\s*(?:\|\s*default\((.*)\))?\s*\}\}$")
JINJA = re.compile(r"\{[{%]-?(.*?)-?[}%]\}", re.DOTALL)
CONDITIONS = ("when", "that", "failed_when", "changed_when", "until")
REQUIRED = None  # the default of a variable read without one
CHECKED = "checked"  # read in an `is defined` test: the play checks it


def header(text):
    """The leading comment: [("prose", text) | ("code", text)], commands are indented by 3+ spaces."""
    blocks = []
    for line in text.splitlines():
        if line.strip() == "---":
            continue
        if not line.startswith("#"):
            break
        body = line[1:]
        kind, body = ("code", body.strip()) if body.startswith("   ") else ("prose", body.strip())
        if blocks and blocks[-1][0] == kind:
            blocks[-1] = (kind, blocks[-1][1] + ("\n" if kind == "code" else " ") + body)
        else:
            blocks.append((kind, body))
    return blocks


def balanced(text, start):
    """The text from start up to the parenthesis that closes an already opened one."""
    depth = 1
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i]
    return text[start:]


def expressions(plays):
    """The Jinja a playbook evaluates: {{ }} and {% %} in its strings, and the bare conditions."""
    found = []
    for node in walk(plays):
        for key, value in node.items():
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, str):
                    continue
                if key in CONDITIONS:
                    found.append(item)
                else:
                    found += JINJA.findall(item)
    return "\n".join(found)


def variables(plays):
    """{name: [defaults]} of the inventory variables a playbook reads (REQUIRED: read without a default)."""
    found = {}
    local = local_names(plays)
    text = expressions(plays)
    for match in VARIABLE.finditer(text):
        name = match["name"] or match["hostvar"] or match["attribute"]
        if not name or name in local:
            continue
        rest = text[match.end() :]
        if match["attribute"]:
            default = match["attribute_default"]
        elif DEFINED.match(rest):
            default = CHECKED
        else:
            follow = DEFAULT.match(rest)
            default = balanced(rest, follow.end()).strip() if follow else REQUIRED
        found.setdefault(name, [])
        if default not in found[name]:
            found[name].append(default)
    return found


def walk(node):
    """Every dict in a loaded YAML document."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def local_names(plays):
    """Registered results and vars: defined by the playbook itself, not by the inventory."""
    names = set()
    for node in walk(plays):
        if isinstance(node.get("register"), str):
            names.add(node["register"])
        if isinstance(node.get("vars"), dict):
            names.update(node["vars"])
    return names


def option_ref(plugin, kind, option):
    entry = "main:" if kind == "role" else ""
    return f":ansopt:`{plugin}#{kind}:{entry}{option}`"


def settings(plays):
    """{variable: [what it sets]}: module options, role options and module_defaults groups set from it alone."""
    sets = {}

    def note(value, what):
        match = SINGLE.match(value.strip()) if isinstance(value, str) else None
        if match and what not in sets.setdefault(match[1], []):
            sets[match[1]].append(what)

    for node in walk(plays):
        for group, value in (node.get("module_defaults") or {}).items():
            note(value, f"``module_defaults`` of ``{group}``")
        for key, args in node.items():
            if key.startswith(COLLECTION + ".") and isinstance(args, dict):
                for option, value in args.items():
                    note(value, f"``{key.split('.')[-1]}`` {option_ref(key, 'module', option)}")
        role = node.get("role")
        if isinstance(role, str) and role.startswith(COLLECTION + "."):
            for option, value in (node.get("vars") or {}).items():
                note(value, option_ref(role, "role", option))
    return sets


def uses(play):
    """The collection's modules and roles a play calls, as antsibull-docs references."""
    found = []
    for node in walk(play):
        for key in node:
            if key.startswith(COLLECTION + ".") and f"{key}#module" not in found:
                found.append(f"{key}#module")
        role = node.get("role")
        if isinstance(role, str) and f"{role}#role" not in found:
            found.append(f"{role}#role")
    return found


def hosts_variable(play):
    """The hosts line's {{ variable | default(group) }}: match[1] the variable, match[2] the group."""
    return SINGLE.match(str(play.get("hosts", "")).strip())


def hosts(play):
    """The hosts line in words: the default group and the variable that overrides it."""
    value = str(play.get("hosts", ""))
    match = hosts_variable(play)
    if match and match[2]:
        return f"``{match[2].strip(chr(39))}`` (or ``-e {match[1]}=<host or group>``)"
    return f"``{value}``"


def readme_meanings(readme):
    """{variable: meaning} from the README's table of playbook variables (| variable | default | used by | meaning |)."""
    meanings = {}
    for line in readme.splitlines():
        if not line.startswith("| `searchops_"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names, previous = [], ""
        for name in re.findall(r"`([\w.]+)`", cells[0]):
            if name.startswith("...") and previous:  # `searchops_x_pattern`, `..._replacement`
                name = previous.rsplit("_", 1)[0] + name[3:]
            names.append(name)
            previous = name
        for name in names:
            meanings[name] = cells[-1]
    return meanings


def inline(markdown):
    """Markdown inline text as reStructuredText: code spans as literals, the rest escaped."""
    parts = re.split(r"(`[^`]+`)", markdown)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"``{part[1:-1]}``")
        else:
            out.append(re.sub(r"([\\*_|])", r"\\\1", part))
    return "".join(out)


def prose(text):
    """A header comment's prose: variable-like names as literals, the rest escaped."""
    return re.sub(
        r"(?P<name>\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?:=(?:<[^>]*>|[^\s)]*))?)|(?P<special>[\\*`|_])",
        lambda m: f"``{m['name']}``" if m["name"] else "\\" + m["special"],
        text,
    )


def default_text(defaults):
    if REQUIRED in defaults:
        return "required"
    if CHECKED in defaults:
        return "none (the play checks it)"
    shown = ["the option's default" if value == "omit" else f"``{value}``" for value in defaults]
    return ", ".join(shown)


def table(rows, headers):
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [headers, *rows]:
        lines.append("   * - " + (row[0] or "\\-"))
        lines.extend("     - " + (cell or "\\-") for cell in row[1:])
    return lines


def playbook_page(path, meanings, roles, report):
    text = path.read_text()
    plays = yaml.safe_load(text) or []
    name = path.stem
    lines = [f".. _ansible_collections.{COLLECTION}.{name}_playbook:", "", name, "-" * len(name), ""]
    for kind, body in header(text):
        if kind == "code":
            lines += [".. code-block:: console", ""] + [f"    {line}" for line in body.splitlines()] + [""]
        else:
            lines += [prose(body), ""]
    lines += [f"Run it: ``ansible-playbook -i <inventory> {COLLECTION}.{name}``", "", "Plays:", ""]
    for play in plays:
        imports = [value for key, value in play.items() if key.split(".")[-1] == "import_playbook"]
        if imports:
            imported = imports[0].split(".")[-1]
            lines.append(
                f"- **{play.get('name', imported)}**: the playbook :ref:`{imported} "
                f"<ansible_collections.{COLLECTION}.{imported}_playbook>` (its variables apply)"
            )
            continue
        used = ", ".join(f":ansplugin:`{ref}`" for ref in uses(play)) or "\\-"
        lines.append(f"- **{play.get('name', '')}** on {hosts(play)}: {used}")
    lines.append("")
    found = variables(plays)
    sets = settings(plays)
    host_lines = {match[1] for match in map(hosts_variable, plays) if match}
    rows = []
    for variable in sorted(found):
        meaning = meanings.get(variable)
        if meaning is None and variable in host_lines:
            meaning = "the hosts (a host or group) to run the play on instead of its default group"
        meaning = inline(meaning) if meaning else ""
        role = next((role for role in roles if variable.startswith(role + "_")), None)
        if not meaning and role:
            meaning = (
                f"set per host in the inventory, as the option {option_ref(f'{COLLECTION}.{role}', 'role', variable)}"
            )
        if not meaning:
            report(f"{path.name}: {variable} has no meaning in the README's variables table")
        rows.append([f"``{variable}``", default_text(found[variable]), ", ".join(sets.get(variable, [])), meaning])
    if rows:
        lines += ["Variables:", "", *table(rows, ["variable", "default", "sets", "meaning"]), ""]
    return lines, set(found)


def page(playbooks, readme, report):
    meanings = readme_meanings(readme)
    roles = [path.name for path in (Path(playbooks).parent / "roles").iterdir() if path.is_dir()]
    lines = [
        f".. _ansible_collections.{COLLECTION}.playbooks:",
        "",
        "Playbooks",
        "=========",
        "",
        f"The collection's playbooks, run as ``ansible-playbook -i <inventory> {COLLECTION}.<name>``. Each "
        "inventory host is one search cluster; the playbooks run against it from the control node. This page is "
        "generated from the playbooks (``tools/docs_playbooks.py``): their header comments, plays and variables; "
        "each variable's meaning comes from the README's variables table.",
        "",
        ".. contents::",
        "   :local:",
        "   :depth: 1",
        "",
    ]
    read = set()
    for path in sorted(Path(playbooks).glob("*.yml")):
        section, names = playbook_page(path, meanings, roles, report)
        lines += section
        read |= names
    for variable in sorted(set(meanings) - read):
        report(f"README.md: {variable} is in the variables table, but no playbook reads it")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--playbooks", type=Path, default=ROOT / "playbooks")
    args = parser.parse_args(argv)
    sys.stdout.write(page(args.playbooks, args.readme.read_text(), lambda msg: print(msg, file=sys.stderr)))


if __name__ == "__main__":
    main()
