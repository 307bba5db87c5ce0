"""What PDF/UA-1 (ISO 14289-1) asks beyond LibreOffice's tagged PDF: identification, role map, tab order, tagged widgets."""

from __future__ import annotations

from typing import Any

import pikepdf
from lxml import etree  # type: ignore[import-untyped]

__all__ = [
    "STANDARD_TYPES",
    "declare_pdfua",
    "element_for_mcid",
    "mark_accessible",
    "standard_type",
    "tag_widget",
]

# ISO 32000-1 § 14.8.4: the standard structure types, which a role map must not remap.
STANDARD_TYPES = frozenset(
    {
        *("Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index", "NonStruct"),
        *("Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "Lbl", "LBody"),
        *("Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span", "Quote", "Note", "Reference", "BibEntry"),
        *("Code", "Link", "Annot", "Ruby", "RB", "RT", "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form"),
    }
)
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFAEXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
PDFASCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFAPROPERTY = "http://www.aiim.org/pdfa/ns/property#"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
MAX_DEPTH = 64

# The PDF/UA identification schema is not one of PDF/A-2's predefined schemas: it is declared as an extension.
PDFUA_EXTENSION = f"""<rdf:Description xmlns:rdf="{RDF}" xmlns:pdfaExtension="{PDFAEXTENSION}"
    xmlns:pdfaSchema="{PDFASCHEMA}" xmlns:pdfaProperty="{PDFAPROPERTY}" rdf:about="">
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>{PDFUAID}</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>
        <rdf:li rdf:parseType="Resource">
         <pdfaProperty:name>part</pdfaProperty:name>
         <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
         <pdfaProperty:category>internal</pdfaProperty:category>
         <pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
        </rdf:li>
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>"""


# --------------------------------------------------------------------------- structure tree


def standard_type(element: Any, role_map: Any) -> str:
    """Return the standard structure type of an element, through the role map (without the slash)."""
    kind = str(element.get("/S", ""))[1:]
    for _ in range(MAX_DEPTH):
        if kind in STANDARD_TYPES or not isinstance(role_map, pikepdf.Dictionary):
            return kind
        mapped = role_map.get(f"/{kind}")
        if not isinstance(mapped, pikepdf.Name):
            return kind
        kind = str(mapped)[1:]
    return kind


def _number_tree(node: Any) -> dict[int, Any]:
    """Return every key → value of a number tree (ISO 32000-1 § 7.9.7)."""
    found: dict[int, Any] = {}
    pending, seen = [node], set()
    while pending:
        item = pending.pop()
        if not isinstance(item, pikepdf.Dictionary) or (item.is_indirect and item.objgen in seen):
            continue
        if item.is_indirect:
            seen.add(item.objgen)
        nums = item.get("/Nums")
        if isinstance(nums, pikepdf.Array):
            for index in range(0, len(nums) - 1, 2):
                found[int(nums[index])] = nums[index + 1]
        kids = item.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            pending.extend(kids)
    return found


def element_for_mcid(pdf: pikepdf.Pdf, page_index: int, mcid: int) -> Any:
    """Return the structure element owning marked content ``mcid`` of a page, or None."""
    tree = pdf.Root.get("/StructTreeRoot")
    key = pdf.pages[page_index].obj.get("/StructParents")
    if not isinstance(tree, pikepdf.Dictionary) or key is None:
        return None
    entries = _number_tree(tree.get("/ParentTree")).get(int(key))
    if isinstance(entries, pikepdf.Array) and 0 <= mcid < len(entries):
        element = entries[mcid]
        return element if isinstance(element, pikepdf.Dictionary) else None
    return None


def _kids(element: Any) -> list[Any]:
    """Return an element's /K as a list."""
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _next_key(pdf: pikepdf.Pdf, tree: Any) -> int:
    """Return the first parent tree key that nothing uses yet."""
    used = set(_number_tree(tree.get("/ParentTree")))
    for page in pdf.pages:
        if "/StructParents" in page.obj:
            used.add(int(page.obj.StructParents))
        for annotation in page.obj.get("/Annots", pikepdf.Array()):
            if isinstance(annotation, pikepdf.Dictionary) and "/StructParent" in annotation:
                used.add(int(annotation.StructParent))
    start = int(tree.get("/ParentTreeNextKey", 0))
    return max([start - 1, *used], default=-1) + 1


def tag_widget(pdf: pikepdf.Pdf, widget: Any, page: Any, parent: Any, before: Any, alt: str) -> None:
    """Put a widget in the structure tree: a ``Form`` element with an OBJR kid, inserted in ``parent`` before ``before``.

    Without ``parent`` the element goes at the end of the document's top element. The widget gets its
    ``/StructParent`` and the parent tree the matching entry, kept as one flat, sorted ``/Nums`` array.
    """
    tree = pdf.Root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary):
        tree = pdf.Root.StructTreeRoot = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, K=pikepdf.Array())
        )
    if not isinstance(parent, pikepdf.Dictionary):
        tops = _kids(tree)
        parent = tops[0] if len(tops) == 1 and isinstance(tops[0], pikepdf.Dictionary) else tree
        before = None
    key = _next_key(pdf, tree)
    element = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.StructElem,
            S=pikepdf.Name.Form,
            P=parent,
            Pg=page,
            Alt=pikepdf.String(alt),
            K=pikepdf.Dictionary(Type=pikepdf.Name.OBJR, Obj=widget, Pg=page),
        )
    )
    kids = _kids(parent)
    position = len(kids)
    if before is not None:
        for index, kid in enumerate(kids):
            if isinstance(kid, pikepdf.Dictionary) and kid.is_indirect and kid.objgen == before.objgen:
                position = index
                break
    kids.insert(position, element)
    parent.K = pikepdf.Array(kids)
    widget.StructParent = key
    entries = _number_tree(tree.get("/ParentTree"))
    entries[key] = element
    nums = pikepdf.Array()
    for number in sorted(entries):
        nums.append(number)
        nums.append(entries[number])
    tree.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=nums))
    tree.ParentTreeNextKey = key + 1


# --------------------------------------------------------------------------- document


def _clean_role_map(tree: Any) -> None:
    """Drop the role map's entries for standard types (LibreOffice maps /H1 to /H1: a cycle) and break cycles."""
    role_map = tree.get("/RoleMap")
    if not isinstance(role_map, pikepdf.Dictionary):
        return
    for key in sorted(str(name) for name in role_map):
        if key[1:] in STANDARD_TYPES:
            del role_map[key]
    for key in sorted(str(name) for name in role_map):
        seen, kind = {key}, role_map.get(key)
        while isinstance(kind, pikepdf.Name) and str(kind)[1:] not in STANDARD_TYPES:
            if str(kind) in seen:
                role_map[key] = pikepdf.Name.P
                break
            seen.add(str(kind))
            kind = role_map.get(str(kind))


def mark_accessible(pdf: pikepdf.Pdf) -> None:
    """Set what PDF/UA asks of the document: marked, title displayed, clean role map, structure tab order."""
    root = pdf.Root
    mark_info = root.get("/MarkInfo")
    if not isinstance(mark_info, pikepdf.Dictionary):
        mark_info = root.MarkInfo = pikepdf.Dictionary()
    mark_info.Marked = True
    preferences = root.get("/ViewerPreferences")
    if not isinstance(preferences, pikepdf.Dictionary):
        preferences = root.ViewerPreferences = pikepdf.Dictionary()
    preferences.DisplayDocTitle = True
    tree = root.get("/StructTreeRoot")
    if isinstance(tree, pikepdf.Dictionary):
        _clean_role_map(tree)
    for page in pdf.pages:
        page.obj.Tabs = pikepdf.Name.S  # LibreOffice writes the string (S) on pages with links


def declare_pdfua(pdf: pikepdf.Pdf) -> None:
    """Declare the PDF/UA identification schema in the XMP as a PDF/A extension schema (once)."""
    metadata = pdf.Root.get("/Metadata")
    if not isinstance(metadata, pikepdf.Stream):
        return
    data = metadata.read_bytes()
    if PDFUAID.encode() in data and b"pdfaSchema:namespaceURI" in data and b"<pdfaSchema:prefix>pdfuaid<" in data:
        return
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True)
    root = etree.fromstring(data, parser)
    rdf = root if root.tag == f"{{{RDF}}}RDF" else root.find(f"{{{RDF}}}RDF")
    if rdf is None:
        return
    description = etree.fromstring(PDFUA_EXTENSION.encode(), parser)
    description.tail = "\n "
    rdf.append(description)
    body = etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=False)
    metadata.write(body)
