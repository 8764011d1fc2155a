# A mentee's grade, school and trust now point at the scheme app's reference lists
# (scheme/migrations/0002): the same tables, so only Django's record changes.

import django.db.models.deletion
from django.db import migrations, models


def to(model):
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=f"scheme.{model}",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("scheme", "0002_reference_lists"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="menteeprofile", name="grade", field=to("grade")),
                migrations.AlterField(model_name="menteeprofile", name="school", field=to("school")),
                migrations.AlterField(model_name="menteeprofile", name="trust", field=to("trust")),
            ],
            database_operations=[],
        ),
    ]
