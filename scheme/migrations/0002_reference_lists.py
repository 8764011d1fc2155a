# Grades, schools and trusts were register's models; mentees (accounts) name them as
# well as mentors, so they moved below both. Only Django's record of them moves: the
# tables keep their names (db_table) and rows, and the foreign keys to them stay as
# they are. Their content types move with them, so the scheme admins' permissions and
# the admin history stay theirs.

from django.db import migrations, models

MOVED = ["grade", "school", "trust"]


def move_content_types(apps, schema_editor, *, source="register", target="scheme"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=target, model__in=MOVED).exists():
        ContentType.objects.using(db).filter(app_label=source, model__in=MOVED).update(
            app_label=target
        )


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="scheme", target="register")


def reference_list(name, table, *extra):
    return migrations.CreateModel(
        name=name,
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ("name", models.CharField(max_length=120, unique=True)),
            ("is_active", models.BooleanField(default=True, help_text="Untick to stop offering it in forms without losing history.")),
            ("position", models.PositiveSmallIntegerField(default=0, help_text="Lists are shown in this order, then by name.")),
            *extra,
        ],
        options={"db_table": table, "ordering": ["position", "name"], "abstract": False},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("register", "0003_bio_history"),
        ("scheme", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                reference_list("Grade", "register_grade"),
                reference_list("School", "register_school"),
                reference_list(
                    "Trust",
                    "register_trust",
                    ("region", models.CharField(blank=True, help_text="Used to suggest mentors nearby.", max_length=80)),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
