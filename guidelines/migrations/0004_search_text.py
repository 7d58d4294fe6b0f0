"""The clause's search text (heading and text folded, see guidelines.searching), filled
for the existing clauses, and on PostgreSQL its full-text vector and index."""

from django.db import migrations, models

from guidelines.searching import AddSearchVector, search_document


def fill_search_text(apps, schema_editor):
    Clause = apps.get_model("guidelines", "Clause")
    # Read first, then write: SQLite gives no isolation between a cursor being read and
    # updates of the same table on one connection.
    clauses = list(Clause.objects.only("pk", "heading", "text"))
    for clause in clauses:
        clause.search_text = search_document(clause.heading, clause.text)
    Clause.objects.bulk_update(clauses, ["search_text"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('guidelines', '0003_history_reason_text'),
    ]

    operations = [
        migrations.AddField(
            model_name='clause',
            name='search_text',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        AddSearchVector(model_name='clause', index_name='clause_search_fts'),
    ]
