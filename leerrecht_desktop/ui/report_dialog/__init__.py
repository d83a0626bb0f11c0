"""Printing in the app: "Samenvatting afdrukken…" for one case and "Teamoverzicht…" for a coordinator.

The summary dialog has two pages. First the options (period, sections, pseudonymised, password);
then a preview of the pages, from which the user prints (Qt's print dialog) or saves a PDF. The PDF
is made and rasterised on the TaskRunner's worker thread, from the case already decrypted in memory;
printing paints the page images on the printer there too. Nothing is written to disk except the file
the user saves on purpose (atomically, mode 0600): no temporary PDF, no image cache.

What a print job leaves behind is the system's business: the spooler (CUPS, Windows) keeps the job
until it is printed, as for any printed document. docs/reports.md says so.

`summary` holds the summary dialog, `overview` the team overview dialog, `period` the period fields
both ask for, `saving` where their save dialogs start and the sentence for a failure."""

from __future__ import annotations

from leerrecht_desktop.ui.report_dialog.overview import OverviewDialog
from leerrecht_desktop.ui.report_dialog.period import case_span, school_year
from leerrecht_desktop.ui.report_dialog.saving import documents_folder
from leerrecht_desktop.ui.report_dialog.summary import SummaryDialog

__all__ = ["OverviewDialog", "SummaryDialog", "case_span", "documents_folder", "school_year"]
