"""The overrides of click's private code: click's own messages in French, help wrapped as French is, bounds in words.

Written against click 8.5.1, pinned to that version in ``pyproject.toml``; see :mod:`convgen.overrides` for the
rule and ``tests/overrides/test_click.py`` for what is checked. The French itself (the messages, the typography)
is in :mod:`convgen.clifr`, whose ``install`` applies the overrides below. This module imports only click and the
standard library: the command line loads it at every run, the build with nothing to do included.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, Final

import click
import click._textwrap as click_textwrap
import click.formatting

from convgen.overrides import Upstream

DISTRIBUTION: Final = "click"
WRITTEN_AGAINST: Final = "8.5.1"

# click's modules that pass messages to their module globals ``_`` (gettext) and ``ngettext``, among those the
# command line loads (not ``_termui_impl``, ``_winconsole``, ``shell_completion``).
MESSAGE_MODULES: Final = ("core", "exceptions", "formatting", "decorators", "types", "parser", "termui", "utils")

# The upstream code the overrides below depend on, as it is in WRITTEN_AGAINST: the symbol replaced and its callers,
# with their signature and the SHA-256 of inspect.getsource() (convgen.overrides.current computes both).
UPSTREAM: Final = (
    Upstream(
        symbol="click._textwrap:TextWrapper",
        signature=(
            "(width=70, initial_indent='', subsequent_indent='', expand_tabs=True, replace_whitespace=True, "
            "fix_sentence_endings=False, break_long_words=True, drop_whitespace=True, break_on_hyphens=True, "
            "tabsize=8, *, max_lines=None, placeholder=' [...]')"
        ),
        sha256="22012aab88709981fec7f940b3d6726fb13e74f9dbed2596c91fea04861898e7",
        recheck=(
            "KeepHyphenatedWords (convgen/overrides/click.py) : vérifiez que l’outil de coupe de click prend toujours "
            "les arguments de textwrap.TextWrapper, break_on_hyphens compris, et ne coupe pas les mots autrement"
        ),
    ),
    Upstream(
        symbol="click.formatting:wrap_text",
        signature=(
            "(text: 'str', width: 'int' = 78, initial_indent: 'str' = '', subsequent_indent: 'str' = '', "
            "preserve_paragraphs: 'bool' = False) -> 'str'"
        ),
        sha256="2dd519bfb3c804a4f0c7c4395476c2ab3cd57788a38dbed5a80eee17f59b5e94",
        recheck=(
            "wrap_help : vérifiez que wrap_text lit toujours TextWrapper dans click._textwrap à chaque appel, sans "
            "fixer break_on_hyphens, et reçoit toujours le texte en premier argument"
        ),
    ),
    Upstream(
        symbol="click.formatting:HelpFormatter.write_usage",
        signature="(self, prog: 'str', args: 'str' = '', prefix: 'str | None' = None) -> 'None'",
        sha256="39c1c1d743fc0a84509c2d7a59e1bcdd335d689a8cb7d8dc1babae849fce0250",
        recheck="wrap_help : vérifiez que la ligne d’utilisation passe toujours par wrap_text de click.formatting",
    ),
    Upstream(
        symbol="click.formatting:HelpFormatter.write_text",
        signature="(self, text: 'str') -> 'None'",
        sha256="2b47cd9e2f1a182131dc00c2e7d84ab55822d2397e8072cb2f143d8749eb22a1",
        recheck="wrap_help : vérifiez que le texte d’aide passe toujours par wrap_text de click.formatting",
    ),
    Upstream(
        symbol="click.formatting:HelpFormatter.write_dl",
        signature=(
            "(self, rows: 'cabc.Iterable[tuple[str, str]]', col_max: 'int' = 30, col_spacing: 'int' = 2) -> 'None'"
        ),
        sha256="a4e0714d3f61cbe0f9894a8f89a731255c58a3902c1045858c0d7d2f8e487464",
        recheck=(
            "wrap_help : vérifiez que l’aide de chaque option et commande passe toujours par wrap_text de "
            "click.formatting"
        ),
    ),
    Upstream(
        symbol="click.types:_NumberRangeBase._describe_range",
        signature="(self) -> 'str'",
        sha256="86d42a53f934986f5d9c5fe937b1ce649e40249fd106f955927740aa101797e5",
        recheck=(
            "IntRange._describe_range et FloatRange._describe_range : vérifiez que c’est toujours la méthode, sans "
            "argument, qui décrit les bornes d’une plage"
        ),
    ),
    Upstream(
        symbol="click.types:_NumberRangeBase.convert",
        signature=(
            "(self, value: '_ValueT_contra', param: 'Parameter | None', ctx: 'Context | None') -> '_FloatValueT_co'"
        ),
        sha256="d361ace426748b4070e1cc0bc9da8bbef9513e2b08088abca860b43cbcd9f885",
        recheck=(
            "IntRange._describe_range et FloatRange._describe_range : vérifiez que le message « hors limites » "
            "décrit toujours les bornes par _describe_range()"
        ),
    ),
    Upstream(
        symbol="click.core:Option.get_help_extra",
        signature="(self, ctx: 'Context') -> 'types.OptionHelpExtra'",
        sha256="91645985d76bf47e36ac0c0518694720356e3e37b90d0871ecd0a7165f5667d8",
        recheck=(
            "clifr.Option.get_help_extra : vérifiez que la plage (_describe_range) est toujours rangée sous la clé "
            "« range », que convgen retire de l’aide"
        ),
    ),
)


class KeepHyphenatedWords(click_textwrap.TextWrapper):
    """click's help wrapper, never breaking a line inside a hyphenated word (« en-têtes », « Sablé-sur-Sarthe »).

    Replaces the private ``click._textwrap.TextWrapper`` of click 8.5.1, which ``click.formatting.wrap_text``
    imports from its module at each call and makes with the standard library's default ``break_on_hyphens=True``;
    the subclass only changes that default. The public API has no way to choose it: ``wrap_text`` takes no wrapper
    nor option for it, and ``HelpFormatter`` (``Context.formatter_class``) calls ``wrap_text`` from each of its
    ``write_*`` methods, so a formatter of convgen's own would have to copy them all. ``__wrapped__`` names the
    class replaced, as ``functools.wraps`` does for a function: ``inspect``, and so ``UPSTREAM``'s check, still
    read upstream's source once the class is installed.

    On an upgrade: re-read ``click._textwrap.TextWrapper`` and ``wrap_text`` (``UPSTREAM``); if ``wrap_text``
    stopped reading the class from ``click._textwrap``, words would be cut again, with no error. Tests:
    ``tests/overrides/test_click.py``, and ``test_help_is_whole_and_french`` in ``tests/test_cli.py``.
    """

    __wrapped__ = click_textwrap.TextWrapper

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("break_on_hyphens", False)
        super().__init__(*args, **kwargs)


def wrap_help(prepare: Callable[[str], str]) -> None:
    """Make click wrap each help text once ``prepare`` has made it, and never break a line at a word's hyphens.

    Replaces ``click._textwrap.TextWrapper`` by :class:`KeepHyphenatedWords`, and ``click.formatting.wrap_text``
    (public, but replaced in its module) by a function that calls it on ``prepare(text)``: it is the module global
    that ``HelpFormatter.write_usage``, ``write_text`` and ``write_dl`` of click 8.5.1 look up at each call. The
    public API has no hook before wrapping: the help of convgen's options could be written ready, but not click's
    own texts nor the usage line. Calling it again changes nothing.

    On an upgrade: re-read ``wrap_text`` and the three ``write_*`` methods (``UPSTREAM``): a method that stopped
    calling the module's ``wrap_text`` would wrap its text without ``prepare``, with no error.
    """
    if click_textwrap.TextWrapper is not KeepHyphenatedWords:
        click_textwrap.TextWrapper = KeepHyphenatedWords  # type: ignore[misc]
    upstream = click.formatting.wrap_text
    if hasattr(upstream, "__wrapped__"):
        return

    @functools.wraps(upstream)
    def wrap_text(text: str, *args: Any, **kwargs: Any) -> str:
        return upstream(prepare(text), *args, **kwargs)

    click.formatting.wrap_text = wrap_text


def translate_messages(gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str]) -> None:
    """Make click's modules look their messages up with ``gettext`` and ``ngettext``.

    Replaces the private module global ``_`` (``from gettext import gettext as _``) and the global ``ngettext`` of
    each module of :data:`MESSAGE_MODULES` already imported, in click 8.5.1: click passes every message it prints
    through them, looked up at each call. The public API has no way to translate them: click ships its messages in
    English only and asks the standard library's ``gettext`` of the process's default domain; a French catalogue
    there would mean a compiled ``.mo`` file, changing the gettext domain of the whole process, and French only
    when the locale asks for it, while convgen speaks French whatever the locale.

    On an upgrade: a module global cannot be recorded in ``UPSTREAM``; ``tests/overrides/test_click.py`` checks
    instead, from click's source, that every module of click the command line loads and that passes messages to
    ``_`` or ``ngettext`` is in :data:`MESSAGE_MODULES` and has them replaced, and that each message of
    ``clifr.FRENCH`` and ``clifr.FRENCH_PLURAL`` is still one click passes to them: a message moved to another
    module, or whose English changed, would be printed in English, with no error.
    """
    for name in MESSAGE_MODULES:
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


def in_words(low: float | None, high: float | None) -> str:
    """Return bounds in French: « de 1 à 64 », « au moins 0 », « au plus 10 »."""
    if low is not None and high is not None:
        return f"de {low:g} à {high:g}"
    return f"au moins {low:g}" if low is not None else f"au plus {high:g}"


class IntRange(click.IntRange):
    """click's integer range, its bounds said in French in the error message (« hors limites (de 1 à 64) »).

    Overrides the private ``_NumberRangeBase._describe_range`` of click 8.5.1, which ``convert`` calls for the
    message of a value out of bounds (and ``Option.get_help_extra`` for the help, where ``clifr.Option`` removes
    it). The public API only offers to override ``convert`` whole, which would mean redoing click's bound checks
    (open bounds, clamping) to change one word of its message. Open bounds are not described: convgen has none.

    On an upgrade: re-read ``_describe_range`` and its callers ``convert`` and ``Option.get_help_extra``
    (``UPSTREAM``). Tests: ``tests/overrides/test_click.py``, and ``test_range_errors_in_french`` in
    ``tests/test_cli.py``.
    """

    def _describe_range(self) -> str:
        return in_words(self.min, self.max)


class FloatRange(click.FloatRange):
    """click's number range, its bounds said in French in the error message (« hors limites (au moins 0) »).

    The same override as :class:`IntRange`, with the same checks.
    """

    def _describe_range(self) -> str:
        return in_words(self.min, self.max)
