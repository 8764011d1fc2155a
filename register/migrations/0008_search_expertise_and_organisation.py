"""The free-text search also reads a bio's area of expertise and organisation (the public
health network profile's fields).

A generated column's expression cannot be altered, so both search columns are dropped
and added again (the database computes them for every row), and the GIN index of
migration 0002, dropped with its column, is made again.
"""

import django.contrib.postgres.search
import django.db.models.functions.text
from django.db import migrations, models

import register.models

GIN_INDEX = (
    "CREATE INDEX mentor_search_vector_gin ON register_mentorprofile "
    "USING gin (search_vector) WHERE status = 'published'"
)


def create_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GIN_INDEX)


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS mentor_search_vector_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0007_scheme_profiles"),
    ]

    operations = [
        # Going back, the old columns come back without their index: make it again.
        migrations.RunPython(migrations.RunPython.noop, create_gin_index),
        migrations.RemoveField(model_name="mentorprofile", name="search_text"),
        migrations.RemoveField(model_name="mentorprofile", name="search_vector"),
        migrations.AddField(
            model_name="mentorprofile",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=register.models.ByDatabase(
                    models.Value(None),
                    django.db.models.functions.text.Concat(
                        django.db.models.functions.text.Concat(
                            models.F("first_name"),
                            models.Value("\n"),
                            models.F("last_name"),
                            models.Value("\n"),
                            models.F("supportt_experience"),
                            models.Value("\n"),
                            models.F("time_away_experience"),
                            models.Value("\n"),
                            output_field=models.TextField(),
                        ),
                        django.db.models.functions.text.Concat(
                            django.db.models.functions.text.Concat(
                                models.F("motivation"),
                                models.Value("\n"),
                                models.F("interests"),
                                models.Value("\n"),
                                output_field=models.TextField(),
                            ),
                            django.db.models.functions.text.Concat(
                                models.F("face_to_face_location"),
                                models.Value("\n"),
                                models.F("expertise"),
                                models.Value("\n"),
                                models.F("organisation"),
                                output_field=models.TextField(),
                            ),
                            output_field=models.TextField(),
                        ),
                        output_field=models.TextField(),
                    ),
                    output_field=models.TextField(),
                ),
                output_field=models.TextField(null=True),
            ),
        ),
        migrations.AddField(
            model_name="mentorprofile",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=register.models.ByDatabase(
                    django.contrib.postgres.search.CombinedSearchVector(
                        django.contrib.postgres.search.SearchVector(
                            django.db.models.functions.text.Concat(
                                models.F("first_name"),
                                models.Value("\n"),
                                models.F("last_name"),
                                output_field=models.TextField(),
                            ),
                            config="english",
                            weight="A",
                        ),
                        "||",
                        django.contrib.postgres.search.SearchVector(
                            django.db.models.functions.text.Concat(
                                django.db.models.functions.text.Concat(
                                    models.F("supportt_experience"),
                                    models.Value("\n"),
                                    models.F("time_away_experience"),
                                    models.Value("\n"),
                                    models.F("motivation"),
                                    models.Value("\n"),
                                    output_field=models.TextField(),
                                ),
                                django.db.models.functions.text.Concat(
                                    models.F("interests"),
                                    models.Value("\n"),
                                    models.F("face_to_face_location"),
                                    models.Value("\n"),
                                    models.F("expertise"),
                                    models.Value("\n"),
                                    models.F("organisation"),
                                    output_field=models.TextField(),
                                ),
                                output_field=models.TextField(),
                            ),
                            config="english",
                            weight="B",
                        ),
                        django.contrib.postgres.search.SearchConfig("english"),
                    ),
                    models.Value(None),
                    output_field=django.contrib.postgres.search.SearchVectorField(),
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(null=True),
            ),
        ),
        migrations.RunPython(create_gin_index, drop_gin_index),
    ]
