# Grades, schools and trusts are the scheme app's now (scheme/migrations/0002): a
# mentor's foreign keys point there and the models leave this app's record. The
# tables, rows and constraints stay as they are.

import django.db.models.deletion
from django.db import migrations, models


def to(model):
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT, related_name="mentors", to=f"scheme.{model}"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_reference_lists_moved"),
        ("register", "0004_suggestion_indexes"),
        ("scheme", "0002_reference_lists"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="mentorprofile", name="grade", field=to("grade")),
                migrations.AlterField(model_name="mentorprofile", name="school", field=to("school")),
                migrations.AlterField(model_name="mentorprofile", name="trust", field=to("trust")),
                migrations.DeleteModel(name="Grade"),
                migrations.DeleteModel(name="School"),
                migrations.DeleteModel(name="Trust"),
            ],
            database_operations=[],
        ),
    ]
