from django import forms

from . import FORMAT_CHOICES


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Export file",
        help_text="A WordPress export (WXR, .xml), a Disqus export (.xml) or a JSON file "
                  "from manage.py export_articles.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,.json,.wxr,application/xml,"
                                                         "application/json,text/xml"}),
    )
    format = forms.ChoiceField(choices=FORMAT_CHOICES, initial="auto",
                               widget=forms.RadioSelect)
    repair_cycles = forms.BooleanField(
        label="Repair parent cycles", required=False,
        help_text="Comments that are each other's parents mean a damaged or forged file, "
                  "which is refused. Tick this to import it anyway, with the earliest "
                  "comment of each cycle made top-level.",
    )
