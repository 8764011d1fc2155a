# The scheme settings and texts are the scheme app's now (scheme/migrations/0001):
# only Django's record of them leaves this app; the tables and rows stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0007_scheme_figures_and_inbox"),
        ("scheme", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SchemeSettings"),
                migrations.DeleteModel(name="SchemeText"),
            ],
            database_operations=[],
        ),
    ]
