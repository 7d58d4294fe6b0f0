"""The amendment's search text (proposed text and justification folded, see
guidelines.searching), filled for the existing amendments, and on PostgreSQL its
full-text vector and index."""

from django.db import migrations, models

from guidelines.searching import AddSearchVector, search_document


def fill_search_text(apps, schema_editor):
    Amendment = apps.get_model("amendments", "Amendment")
    # Read first, then write: SQLite gives no isolation between a cursor being read and
    # updates of the same table on one connection.
    amendments = list(Amendment.objects.only("pk", "proposed_text", "justification"))
    for amendment in amendments:
        amendment.search_text = search_document(amendment.proposed_text, amendment.justification)
    Amendment.objects.bulk_update(amendments, ["search_text"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('amendments', '0002_insert_before'),
        ('guidelines', '0004_search_text'),
    ]

    operations = [
        migrations.AddField(
            model_name='amendment',
            name='search_text',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        AddSearchVector(model_name='amendment', index_name='amendment_search_fts'),
    ]
