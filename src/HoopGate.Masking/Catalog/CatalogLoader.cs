using Npgsql;

namespace HoopGate.Masking.Catalog;

/// <summary>Reads a <see cref="CatalogSnapshot"/> from a database: relations and columns with comments, view definitions, user functions.</summary>
internal static class CatalogLoader
{
    // Views outside the system schemas come with their definitions (the system's own are covered by name patterns).
    private const string RelationsSql = """
        SELECT c.oid, n.nspname, c.relname, c.relkind::text, a.attnum, a.attname, a.atttypid, d.description,
               CASE WHEN c.relkind IN ('v', 'm') AND a.attnum = 1 AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                    THEN pg_catalog.pg_get_viewdef(c.oid) END,
               a.attgenerated <> ''
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_catalog.pg_description d
               ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
        ORDER BY c.oid, a.attnum
        """;

    private const string FunctionsSql = """
        SELECT DISTINCT n.nspname, p.proname
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
        """;

    private const string InheritanceSql = "SELECT inhrelid, inhparent FROM pg_catalog.pg_inherits";

    public static async Task<CatalogSnapshot> LoadAsync(NpgsqlDataSource dataSource, TimeProvider time, CancellationToken cancellationToken)
    {
        // The snapshot is as of its start: anything committed before then is in it.
        DateTimeOffset startedAt = time.GetUtcNow();
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var relations = new List<CatalogRelation>();
        await using (var command = new NpgsqlCommand(RelationsSql, connection, transaction))
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            uint current = 0;
            string schema = "", name = "";
            char kind = 'r';
            string? definition = null;
            var columns = new List<CatalogColumn>();
            while (await reader.ReadAsync(cancellationToken))
            {
                uint oid = reader.GetFieldValue<uint>(0);
                if (oid != current && columns.Count > 0)
                {
                    relations.Add(new CatalogRelation(current, schema, name, kind, columns, definition));
                    columns = [];
                    definition = null;
                }

                current = oid;
                schema = reader.GetString(1);
                name = reader.GetString(2);
                kind = reader.GetString(3)[0];
                columns.Add(new CatalogColumn(reader.GetInt16(4), reader.GetString(5), reader.GetFieldValue<uint>(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetBoolean(9)));
                if (!reader.IsDBNull(8))
                {
                    definition = reader.GetString(8);
                }
            }

            if (columns.Count > 0)
            {
                relations.Add(new CatalogRelation(current, schema, name, kind, columns, definition));
            }
        }

        var functions = new List<(string, string)>();
        await using (var command = new NpgsqlCommand(FunctionsSql, connection, transaction))
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                functions.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var inheritance = new List<(uint, uint)>();
        await using (var command = new NpgsqlCommand(InheritanceSql, connection, transaction))
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                inheritance.Add((reader.GetFieldValue<uint>(0), reader.GetFieldValue<uint>(1)));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new CatalogSnapshot(relations, functions, startedAt, inheritance);
    }
}
