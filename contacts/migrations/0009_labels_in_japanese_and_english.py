"""Queue and wrap-up code labels in two fields, Japanese and English, instead of one holding both
("ローン申込 / Loan applications"): the old label is split at its " / ", its first half kept as
the Japanese label."""

from django.db import migrations, models

SEPARATOR = " / "


def split_labels(apps, schema_editor):
    for model_name in ("Queue", "WrapUpCode"):
        for row in apps.get_model("contacts", model_name).objects.filter(
            label_ja__contains=SEPARATOR
        ):
            row.label_ja, row.label_en = (part.strip() for part in row.label_ja.split(SEPARATOR, 1))
            row.save(update_fields=["label_ja", "label_en"])


def join_labels(apps, schema_editor):
    for model_name in ("Queue", "WrapUpCode"):
        for row in apps.get_model("contacts", model_name).objects.exclude(label_en=""):
            row.label_ja = SEPARATOR.join(part for part in (row.label_ja, row.label_en) if part)
            row.save(update_fields=["label_ja"])


class Migration(migrations.Migration):
    dependencies = [("contacts", "0008_merge_agent_day")]

    operations = [
        migrations.RenameField("queue", "label", "label_ja"),
        migrations.RenameField("wrapupcode", "label", "label_ja"),
        migrations.AlterField(
            model_name="queue",
            name="label_ja",
            field=models.CharField(blank=True, max_length=100, verbose_name="label (Japanese)"),
        ),
        migrations.AlterField(
            model_name="wrapupcode",
            name="label_ja",
            field=models.CharField(blank=True, max_length=100, verbose_name="label (Japanese)"),
        ),
        migrations.AddField(
            model_name="queue",
            name="label_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="label (English)"),
        ),
        migrations.AddField(
            model_name="wrapupcode",
            name="label_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="label (English)"),
        ),
        migrations.RunPython(split_labels, join_labels),
    ]
