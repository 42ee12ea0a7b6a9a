"""The agent console's keyboard shortcuts, in one table: the page lists it, each control shows its
hint, and the page's one keydown handler (static/js/agent-console.js) reads it. A shortcut presses
the button or focuses the field marked `data-shortcut="<name>"`; a new one is a row here and that
attribute on its control.

One scheme on every system: Alt+Shift+key on Windows and Linux, Option+Shift+key on a Mac. Keys
are matched by their place on the keyboard (`KeyboardEvent.code`), not by the character they type,
so a Mac's Option characters, a Japanese layout or the IME change nothing. Alt+key alone is taken
by the browsers (Alt+1… switches tabs on Linux, Alt+F/E/H open menus on Windows), and Chrome's
Alt+Shift+A, I and T are left alone."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MODIFIERS = "Alt+Shift"


@dataclass(frozen=True)
class Shortcut:
    name: str  # the `data-shortcut` of the control it works (a template name: no hyphens)
    code: str  # KeyboardEvent.code: "Digit1", "KeyH"
    label: str | Promise

    @property
    def hint(self) -> str:
        key = self.code.removeprefix("Digit").removeprefix("Key")
        return f"{MODIFIERS}+{key}"


CONSOLE_SHORTCUTS = [
    Shortcut("available", "Digit1", _("Available")),
    Shortcut("break", "Digit2", _("Break")),
    Shortcut("offline", "Digit3", _("Offline")),
    Shortcut("answer", "KeyP", _("Answer (pick up)")),
    Shortcut("hold", "KeyH", _("Hold / resume")),
    Shortcut("hang_up", "KeyE", _("Hang up (end)")),
    Shortcut("note", "KeyN", _("Write a note")),
    Shortcut("transfer", "KeyX", _("Transfer")),
    Shortcut("wrap_up", "KeyW", _("Wrap-up code")),
    Shortcut("search", "KeyS", _("Find a customer")),
    Shortcut("help", "KeyR", _("Ask for help (a supervisor)")),
]


def shortcut_hints(shortcuts: list[Shortcut] = CONSOLE_SHORTCUTS) -> dict[str, str]:
    """Each control's hint by its name, for the page's <kbd> labels."""
    return {shortcut.name: shortcut.hint for shortcut in shortcuts}


def shortcuts_json(shortcuts: list[Shortcut] = CONSOLE_SHORTCUTS) -> list[dict[str, str]]:
    """The table as the page's script reads it."""
    return [{"name": shortcut.name, "code": shortcut.code} for shortcut in shortcuts]
