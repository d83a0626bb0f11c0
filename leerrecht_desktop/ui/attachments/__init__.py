"""A case's attachments in the window (issue 15; docs/attachments.md "The window"): the Bijlagen section
(panel), the preview (preview), adding by dialog, drop and paste (adding), Opslaan als… (saving), the
small questions (asking), names and states (labels), the consent's scan (consent)."""

from leerrecht_desktop.ui.attachments.consent import ConsentScanField, check_consent_scan, scan_link
from leerrecht_desktop.ui.attachments.panel import AttachmentsPanel
from leerrecht_desktop.ui.attachments.preview import PreviewDialog

__all__ = ["AttachmentsPanel", "ConsentScanField", "PreviewDialog", "check_consent_scan", "scan_link"]
