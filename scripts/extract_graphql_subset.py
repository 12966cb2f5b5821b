#!/usr/bin/env python3
"""Cut the part of GitHub's published GraphQL schema that pmaction's documents touch.

The sandbox executes every GraphQL document against this subset (graphql-core), so a field, argument or type
pmaction uses that GitHub does not have fails the test suite. The subset must come from GitHub's published
schema, pinned, and be reproducible:

    python scripts/extract_graphql_subset.py                      # npm pack @octokit/graphql-schema, then cut
    python scripts/extract_graphql_subset.py --from-file schema.graphql
    python scripts/extract_graphql_subset.py --check              # CI: the committed subset is the cut

Output: pmaction/sandbox/graphql_schema/github-schema-subset.graphql. Every sample document of
``pmaction.github.graphql.sample_documents()`` is first validated against the whole schema; the subset keeps
the fields those documents select (GitHub's definitions verbatim, descriptions dropped), every argument of
them with the input types, enums and scalars the arguments reach, and the possible types of every interface
or union they return, so that an answer can be any type GitHub could give.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from graphql import (
    DocumentNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_ast_schema,
    get_named_type,
    parse,
    print_ast,
    validate,
    visit,
)
from graphql.language import (
    DefinitionNode,
    DirectiveDefinitionNode,
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    UnionTypeDefinitionNode,
)
from npm_tarball import npm_pack_member  # scripts/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pmaction.github.graphql import sample_documents  # noqa: E402

PACKAGE = "@octokit/graphql-schema"
VERSION = "15.26.1"
MEMBER = "package/schema.graphql"
OUT = ROOT / "pmaction" / "sandbox" / "graphql_schema" / "github-schema-subset.graphql"


class _Selected(Visitor):
    """Every (type, field) a document selects, and every type a fragment names."""

    def __init__(self, info: TypeInfo) -> None:
        super().__init__()
        self.info = info
        self.fields: set[tuple[str, str]] = set()
        self.types: set[str] = set()

    def enter_field(self, node: object, *_: object) -> None:
        parent = self.info.get_parent_type()
        name = getattr(getattr(node, "name", None), "value", "")
        if parent is not None and not name.startswith("__"):
            self.fields.add((parent.name, name))

    def enter_inline_fragment(self, *_: object) -> None:
        found = self.info.get_type()
        if found is not None:
            self.types.add(get_named_type(found).name)


def _selected(
    schema: GraphQLSchema, documents: Iterable[DocumentNode]
) -> tuple[set[tuple[str, str]], set[str]]:
    fields: set[tuple[str, str]] = set()
    types: set[str] = set()
    for document in documents:
        errors = validate(schema, document)
        if errors:
            raise SystemExit(f"a pmaction document is not valid against GitHub's schema: {errors[0].message}")
        info = TypeInfo(schema)
        visitor = _Selected(info)
        visit(document, TypeInfoVisitor(info, visitor))
        fields |= visitor.fields
        types |= visitor.types
    return fields, types


def _input_closure(schema: GraphQLSchema, start: GraphQLNamedType, keep: set[str]) -> None:
    """An argument's type with everything it reaches: input objects, enums and scalars are kept whole."""
    if start.name in keep:
        return
    keep.add(start.name)
    if isinstance(start, GraphQLInputObjectType):
        for field in start.fields.values():
            _input_closure(schema, get_named_type(field.type), keep)


def _first_id_field(kind: GraphQLObjectType) -> str:
    # A union member pmaction selects nothing of still needs one field to be a valid object type.
    if "id" in kind.fields:
        return "id"
    return next(iter(kind.fields))


def _closure(
    schema: GraphQLSchema, fields: set[tuple[str, str]], fragment_types: set[str]
) -> dict[str, set[str]]:
    """Kept fields by type name (an empty set: a type kept whole)."""
    kept: dict[str, set[str]] = {}
    whole: set[str] = set()
    pending = sorted(fields)
    abstract_done: set[str] = set()
    while pending:
        type_name, field_name = pending.pop()
        if field_name in kept.setdefault(type_name, set()):
            continue
        kept[type_name].add(field_name)
        parent = schema.type_map[type_name]
        assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
        field: GraphQLField = parent.fields[field_name]
        for arg in field.args.values():
            _input_closure(schema, get_named_type(arg.type), whole)
        target = get_named_type(field.type)
        if isinstance(target, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            kept.setdefault(target.name, set())
        else:
            whole.add(target.name)
        if isinstance(parent, GraphQLInterfaceType):
            for kind in schema.get_possible_types(parent):
                pending.append((kind.name, field_name))
    for name in sorted({*kept, *fragment_types}):
        abstract = schema.type_map[name]
        if isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType) and name not in abstract_done:
            abstract_done.add(name)
            for member in schema.get_possible_types(abstract):
                members = kept.setdefault(member.name, set())
                if not members:
                    members.add(_first_id_field(member))
    return {**{name: set() for name in whole}, **kept}


def _cut(definition: DefinitionNode, kept: dict[str, set[str]]) -> DefinitionNode | None:
    if isinstance(definition, DirectiveDefinitionNode):
        return definition
    name = getattr(getattr(definition, "name", None), "value", "")
    if name not in kept:
        return None
    definition.description = None
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        wanted = kept[name]
        seen: set[str] = set()
        kept_fields = []
        for field in definition.fields or ():
            # GitHub's published text defines a few fields twice; the first definition is kept.
            if field.name.value in wanted and field.name.value not in seen:
                seen.add(field.name.value)
                field.description = None
                for arg in field.arguments or ():
                    arg.description = None
                kept_fields.append(field)
        definition.fields = tuple(kept_fields)
        definition.interfaces = tuple(i for i in definition.interfaces or () if i.name.value in kept)
    elif isinstance(definition, UnionTypeDefinitionNode):
        definition.types = tuple(t for t in definition.types or () if t.name.value in kept)
    elif isinstance(definition, InputObjectTypeDefinitionNode):
        for input_field in definition.fields or ():
            input_field.description = None
    elif isinstance(definition, EnumTypeDefinitionNode):
        for value in definition.values or ():
            value.description = None
    elif not isinstance(definition, ScalarTypeDefinitionNode):
        return None
    return definition


def cut(sdl: str) -> str:
    full_ast = parse(sdl, no_location=True)
    schema = build_ast_schema(full_ast, assume_valid_sdl=True)
    documents = [parse(text) for text in sample_documents()]
    fields, fragment_types = _selected(schema, documents)
    kept = _closure(schema, fields, fragment_types)
    definitions = [d for d in (_cut(d, kept) for d in parse(sdl, no_location=True).definitions) if d]
    used_directives = {d.name.value for d in definitions if isinstance(d, DirectiveDefinitionNode)}
    subset = DocumentNode(definitions=tuple(definitions))
    text = print_ast(subset)
    build_ast_schema(parse(text))  # the subset must be a valid schema of its own
    header = (
        f"# Cut from {PACKAGE}@{VERSION} ({MEMBER}) by scripts/extract_graphql_subset.py: do not edit.\n"
        f"# {len(kept)} types, {len(used_directives)} directive definitions.\n\n"
    )
    return header + text + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--from-file", type=Path, help="a schema.graphql of the pinned package")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="only compare with --out; exit 1 if it differs")
    args = parser.parse_args(argv)
    if args.from_file:
        sdl = args.from_file.read_text(encoding="utf-8")
    else:
        with tempfile.TemporaryDirectory() as workdir:
            sdl = npm_pack_member(PACKAGE, VERSION, MEMBER, Path(workdir)).read_text(encoding="utf-8")
    subset = cut(sdl)
    if args.check:
        if not args.out.is_file() or args.out.read_text(encoding="utf-8") != subset:
            print(f"{args.out} is not what {PACKAGE}@{VERSION} cuts to: run {Path(__file__).name}")
            return 1
        print(f"{args.out.name}: as cut from {PACKAGE}@{VERSION}; every document is valid against all of it")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(subset, encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
