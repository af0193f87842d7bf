"""Compile the translation catalogues (.po to .mo) with polib, so no GNU gettext is needed."""

from pathlib import Path

import polib
from django.conf import settings

from stoa.commandline import StoaCommand


class Command(StoaCommand):
    help = "Compile the interface's translations (stoa/locale/*/LC_MESSAGES/*.po) for use."

    def handle(self, *args, **options) -> None:
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                self.stdout.write(f"{po_path.parent.parent.name}: {catalogue.percent_translated()}% translated")
