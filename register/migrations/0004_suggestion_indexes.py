from django.db import migrations

# Indexes for a mentee's suggested order in the register search
# (requests_app.search.MentorQuerySet.among_first_suggestions), on PostgreSQL only,
# like those of 0002 (SQLite slices no UNION parts, so it never runs those queries):
# the published mentors of one school, or of one trust, paused or not, by name, with
# the filters' columns included so that a search reads the index alone.
FILTER_COLUMNS = (
    "user_id, grade_id, gender, available_days, available_times, meets_face_to_face, "
    "meets_virtually, face_to_face_location"
)
SUGGESTION_INDEXES = {
    name: (
        f"CREATE INDEX {name} ON register_mentorprofile "
        f"({column}, is_paused, last_name, first_name, id) INCLUDE ({FILTER_COLUMNS}) "
        "WHERE status = 'published'"
    )
    for name, column in (
        ("mentor_suggested_by_school", "school_id"),
        ("mentor_suggested_by_trust", "trust_id"),
    )
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in SUGGESTION_INDEXES.values():
            schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in SUGGESTION_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0003_bio_history"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
