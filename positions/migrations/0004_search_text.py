"""The position's search text (summary and excerpt folded, see guidelines.searching),
filled for the existing positions, and on PostgreSQL its full-text vector and index."""

from django.db import migrations, models

from guidelines.searching import AddSearchVector, search_document


def fill_search_text(apps, schema_editor):
    Position = apps.get_model("positions", "Position")
    PositionPaper = apps.get_model("positions", "PositionPaper")
    # Paper by paper: each paper's text is read once for all its positions.
    for paper in list(PositionPaper.objects.only("pk", "text")):
        positions = list(
            Position.objects.filter(paper_id=paper.pk).only(
                "pk", "summary", "excerpt_start", "excerpt_end"
            )
        )
        for position in positions:
            excerpt = paper.text[position.excerpt_start : position.excerpt_end]
            position.search_text = search_document(position.summary, excerpt)
        Position.objects.bulk_update(positions, ["search_text"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('positions', '0003_invitations'),
        ('guidelines', '0004_search_text'),
    ]

    operations = [
        migrations.AddField(
            model_name='position',
            name='search_text',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        AddSearchVector(model_name='position', index_name='position_search_fts'),
    ]
