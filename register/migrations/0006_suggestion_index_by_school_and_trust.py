from django.db import migrations

# One more index for a mentee's suggested order in the register search
# (requests_app.search.MentorQuerySet.among_first_suggestions), on PostgreSQL only like
# those of 0004: the published mentors of one school and one trust, paused or not, by
# name, with the filters' columns included so that a search reads the index alone.
NAME = "mentor_suggested_by_school_and_trust"
CREATE = (
    f"CREATE INDEX {NAME} ON register_mentorprofile "
    "(school_id, trust_id, is_paused, last_name, first_name, id) INCLUDE (user_id, grade_id, "
    "gender, available_days, available_times, meets_face_to_face, meets_virtually, "
    "face_to_face_location) WHERE status = 'published'"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0005_reference_lists_moved"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
