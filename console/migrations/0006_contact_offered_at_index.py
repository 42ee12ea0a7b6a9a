"""An index on contacts_contact.offered_at: the report rollups read one Tokyo day of contacts at a
time, and without it each run would scan every contact ever recorded.

Made here with SQL rather than on Contact.Meta so that the contacts app's migrations stay its
own; `IF NOT EXISTS` on both PostgreSQL and SQLite. If Contact.Meta ever declares this index,
adopt it with SeparateDatabaseAndState under the same name.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0005_wallboard_and_rollups"),
        ("contacts", "0004_contact_case"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX IF NOT EXISTS contact_offered_at ON contacts_contact (offered_at)",
            reverse_sql="DROP INDEX IF EXISTS contact_offered_at",
        )
    ]
