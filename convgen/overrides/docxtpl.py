"""The override of docxtpl's private code: an inline picture with an alternative text and a name.

Written against docxtpl 0.20.2, pinned to that version in ``pyproject.toml``; see :mod:`convgen.overrides` for
the rule and ``tests/overrides/test_docxtpl.py`` for what is checked. Imported only where a document is rendered
(docxtpl is a heavy import that a build without changes never pays for).

``UPSTREAM`` also records ``DocxTemplate.patch_xml``, public but used beyond its contract: ``_patched_xml`` in
``convgen/documents/render.py`` calls it with ``self=None`` and caches its result by the XML alone, which holds
only as long as the method reads nothing but its argument.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from docx.shared import Emu
from docxtpl import InlineImage

from convgen.overrides import Upstream

DISTRIBUTION: Final = "docxtpl"
WRITTEN_AGAINST: Final = "0.20.2"

# The upstream code the overrides below depend on, as it is in WRITTEN_AGAINST: the symbol replaced and its callers,
# with their signature and the SHA-256 of inspect.getsource() (convgen.overrides.current computes both).
UPSTREAM: Final = (
    Upstream(
        symbol="docxtpl.inline_image:InlineImage._insert_image",
        signature="(self)",
        sha256="c0a906372c53b31cfa3be96f5795f7ac05cc7ca2086ad9ec7acb04116b330988",
        recheck=(
            "DescribedImage._insert_image : reprenez ce que fait la nouvelle version (dessin créé par "
            "new_pic_inline, balises qui referment et rouvrent le texte) et gardez-y descr et name"
        ),
    ),
    Upstream(
        symbol="docxtpl.inline_image:InlineImage.__init__",
        signature="(self, tpl, image_descriptor, width=None, height=None, anchor=None)",
        sha256="3821bca122f490d229d4501a85a65d51121eb74c5bbb45c9f94169a296899c62",
        recheck=(
            "DescribedImage.__init__ : vérifiez les arguments passés à InlineImage et les attributs lus ensuite "
            "(tpl, image_descriptor, width, height)"
        ),
    ),
    Upstream(
        symbol="docxtpl.inline_image:InlineImage.__html__",
        signature="(self)",
        sha256="8e6a91665443267f9777eaeed2099c9345cbda185dd20c461c9f44e26bda67df",
        recheck=(
            "DescribedImage._insert_image : vérifiez que l’image, imprimée par Jinja avec l’échappement "
            "automatique, passe toujours par _insert_image"
        ),
    ),
    Upstream(
        symbol="docxtpl.inline_image:InlineImage.__str__",
        signature="(self)",
        sha256="5a6ca9cc294e1923e6471dc8ffd5bd661a76c08885767b11d05a0d3137e84df7",
        recheck="DescribedImage._insert_image : vérifiez que str(image) passe toujours par _insert_image",
    ),
    # Called, not overridden: see the module's docstring.
    Upstream(
        symbol="docxtpl.template:DocxTemplate.patch_xml",
        signature="(self, src_xml)",
        sha256="59341311e906ccb2677eed6f7877253333edcb57a86129f0040340c565895dd6",
        recheck=(
            "_patched_xml (convgen/documents/render.py) : à revérifier — appelée avec self=None et mise en cache "
            "selon le seul XML, patch_xml ne doit toujours lire ni self ni rien d’autre que son argument"
        ),
    ),
)


class DescribedImage(InlineImage):  # type: ignore[misc]
    """docxtpl's inline picture, with an alternative text (``descr``) and a name on ``wp:docPr`` and ``pic:cNvPr``.

    ``width`` and ``height`` are in EMU; ``description`` is what a screen reader says, ``name`` the picture's name.
    """

    def __init__(self, tpl: Any, path: Path, width: int, height: int, *, description: str, name: str) -> None:
        super().__init__(tpl, str(path), width=Emu(width), height=Emu(height))
        self.description, self.label = description, name

    def _insert_image(self) -> str:
        """Return the run XML of the picture, with ``descr`` and ``name`` set.

        Overrides the private ``InlineImage._insert_image`` of docxtpl 0.20.2, which ``__str__`` and ``__html__``
        call when Jinja prints the image. The public API gives no way to set a picture's alternative text:
        ``InlineImage`` takes only the file, the size and a hyperlink, and python-docx's ``new_pic_inline`` writes
        no ``descr`` and names the picture « Picture n »; the DOCX, and the PDF/UA-1 made from it, need the figure
        described. The body is upstream's, minus the hyperlink (``anchor``, unused by convgen), plus
        the two attributes.

        On an upgrade: re-read upstream's ``_insert_image`` and its callers (``UPSTREAM``), carry over what
        changed, and check that the pictures still come out with their ``descr`` and ``name``
        (``tests/overrides/test_docxtpl.py``).
        """
        inline = self.tpl.current_rendering_part.new_pic_inline(self.image_descriptor, self.width, self.height)
        for element in (inline.docPr, *inline.xpath(".//pic:cNvPr")):
            element.set("name", self.label)
            element.set("descr", self.description)
        return f'</w:t></w:r><w:r><w:drawing>{inline.xml}</w:drawing></w:r><w:r><w:t xml:space="preserve">'
