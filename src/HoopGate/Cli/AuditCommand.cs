using System.CommandLine;
using System.Globalization;
using HoopGate.Audit;
using HoopGate.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace HoopGate.Cli;

/// <summary><c>hoopgate audit migrate|verify</c>: the audit store's schema and the integrity of its hash chains.</summary>
internal static class AuditCommand
{
    public static Command Create(Option<FileInfo> configOption)
    {
        var migrate = new Command("migrate", "Create or upgrade the audit store's schema (idempotent; run with a role that may create tables)") { configOption };
        migrate.SetAction(async (parse, cancellationToken) =>
        {
            if (Store(parse.GetValue(configOption)!) is not { } store)
            {
                return 2;
            }

            try
            {
                await using NpgsqlConnection connection = await store.OpenAsync(cancellationToken);
                int before = await AuditSchema.MigrateAsync(connection, cancellationToken);
                await Console.Out.WriteLineAsync("hoopgate: audit store schema at version " + AuditSchema.CurrentVersion.ToString(CultureInfo.InvariantCulture)
                    + (before == AuditSchema.CurrentVersion ? " (already)" : " (was " + before.ToString(CultureInfo.InvariantCulture) + ")"));
                return 0;
            }
            catch (NpgsqlException ex)
            {
                await Console.Error.WriteLineAsync("hoopgate: cannot migrate the audit store: " + ex.Message);
                return 1;
            }
        });

        var fromOption = new Option<DateTimeOffset?>("--from") { Description = "Verify records from this time (ISO 8601)" };
        var toOption = new Option<DateTimeOffset?>("--to") { Description = "Verify records before this time (ISO 8601)" };
        var instanceOption = new Option<Guid?>("--instance") { Description = "Verify one gateway instance's chain" };
        var verify = new Command("verify", "Check the hash chains of the audit store and name the first broken link")
        {
            configOption, fromOption, toOption, instanceOption,
        };
        verify.SetAction(async (parse, cancellationToken) =>
        {
            if (Store(parse.GetValue(configOption)!) is not { } store)
            {
                return 2;
            }

            try
            {
                await using NpgsqlConnection connection = await store.OpenAsync(cancellationToken);
                AuditVerification result = await AuditVerifier.VerifyAsync(
                    connection, parse.GetValue(fromOption), parse.GetValue(toOption), parse.GetValue(instanceOption), cancellationToken);
                if (result.Intact)
                {
                    await Console.Out.WriteLineAsync("intact: " + result.Records.ToString(CultureInfo.InvariantCulture) + " records verified");
                    return 0;
                }

                await Console.Out.WriteLineAsync("BROKEN: instance " + result.Instance + " record " + result.Sequence?.ToString(CultureInfo.InvariantCulture)
                    + ": " + result.Problem + " (" + result.Records.ToString(CultureInfo.InvariantCulture) + " records verified before it)");
                return 1;
            }
            catch (NpgsqlException ex)
            {
                await Console.Error.WriteLineAsync("hoopgate: cannot read the audit store: " + ex.Message);
                return 2;
            }
        });

        var dryRunOption = new Option<bool>("--dry-run") { Description = "List what would be dropped, drop nothing" };
        var monthsOption = new Option<int?>("--retention-months") { Description = "Keep this many months (default: HoopGate:Audit:RetentionMonths, 72)" };
        var prune = new Command("prune", "Drop the monthly partitions of records older than the retention period, listing each") { configOption, monthsOption, dryRunOption };
        prune.SetAction(async (parse, cancellationToken) =>
        {
            FileInfo config = parse.GetValue(configOption)!;
            if (Services(config) is not { } services)
            {
                return 2;
            }

            AuditStore store = services.GetRequiredService<AuditStore>();
            int months = parse.GetValue(monthsOption) ?? services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuditOptions>>().Value.RetentionMonths;
            if (months < 1)
            {
                await Console.Error.WriteLineAsync("hoopgate: the retention period must be at least one month");
                return 2;
            }

            bool dryRun = parse.GetValue(dryRunOption);
            DateTimeOffset cutoff = DateTimeOffset.UtcNow.AddMonths(-months);
            try
            {
                await using NpgsqlConnection connection = await store.OpenAsync(cancellationToken);
                IReadOnlyList<PrunedPartition> pruned = await AuditRetention.PruneAsync(connection, cutoff, dryRun, cancellationToken);
                foreach (PrunedPartition partition in pruned)
                {
                    await Console.Out.WriteLineAsync((dryRun ? "would drop " : "dropped ") + partition.Name + " ("
                        + partition.Records.ToString(CultureInfo.InvariantCulture) + " records before " + partition.End.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ")");
                }

                await Console.Out.WriteLineAsync(pruned.Count.ToString(CultureInfo.InvariantCulture) + " partitions older than "
                    + cutoff.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + (dryRun ? " would be dropped" : " dropped"));
                return 0;
            }
            catch (NpgsqlException ex)
            {
                await Console.Error.WriteLineAsync("hoopgate: cannot prune the audit store: " + ex.Message);
                return 1;
            }
        });

        var valueOption = new Option<string>("--value") { Description = "The value to look for (as the client bound it, in text)", Required = true };
        var hash = new Command("hash", "Print the keyed hash a bound value is recorded as, to search the audit store for it") { configOption, valueOption };
        hash.SetAction(async (parse, _) =>
        {
            FileInfo config = parse.GetValue(configOption)!;
            if (!config.Exists)
            {
                await Console.Error.WriteLineAsync("hoopgate: configuration file " + config.FullName + " does not exist");
                return 2;
            }

            if (Services(config) is not { } services)
            {
                return 2;
            }

            var hasher = services.GetRequiredService<AuditParameterHasher>();
            if (hasher.Mode != AuditParameterMode.Hashed)
            {
                await Console.Error.WriteLineAsync("hoopgate: this configuration records parameters as " + hasher.Mode + ", not as keyed hashes");
                return 2;
            }

            await Console.Out.WriteLineAsync(hasher.Record(System.Text.Encoding.UTF8.GetBytes(parse.GetValue(valueOption)!), binary: false));
            return 0;
        });

        var periodFrom = new Option<DateTimeOffset>("--from") { Description = "Start of the period (ISO 8601)", Required = true };
        var periodTo = new Option<DateTimeOffset>("--to") { Description = "End of the period, exclusive (ISO 8601)", Required = true };
        var formatOption = new Option<string>("--format") { Description = "csv (statements) or jsonl (sessions, statements, logins)", DefaultValueFactory = _ => "jsonl" };
        formatOption.AcceptOnlyFromAmong("csv", "jsonl");
        var outputOption = new Option<FileInfo>("--output") { Description = "The file to write", Required = true };
        var export = new Command("export", "Write a period's sessions, statements and logins, with the chain verification, for an auditor")
        {
            configOption, periodFrom, periodTo, formatOption, outputOption,
        };
        export.SetAction(async (parse, cancellationToken) =>
        {
            if (Store(parse.GetValue(configOption)!) is not { } store)
            {
                return 2;
            }

            try
            {
                await using NpgsqlConnection connection = await store.OpenAsync(cancellationToken);
                FileInfo file = parse.GetValue(outputOption)!;
                await using var writer = new StreamWriter(file.FullName, append: false, new System.Text.UTF8Encoding(false));
                long rows = await AuditExporter.ExportAsync(
                    connection, parse.GetValue(periodFrom), parse.GetValue(periodTo), parse.GetValue(formatOption) == "csv", writer, cancellationToken);
                await Console.Out.WriteLineAsync("hoopgate: wrote " + rows.ToString(CultureInfo.InvariantCulture) + " rows to " + file.FullName);
                return 0;
            }
            catch (NpgsqlException ex)
            {
                await Console.Error.WriteLineAsync("hoopgate: cannot read the audit store: " + ex.Message);
                return 1;
            }
        });

        var subjectOption = new Option<string?>("--subject") { Description = "Statements of this subject" };
        var tableOption = new Option<string?>("--table") { Description = "Statements that read or wrote this table (as written: schema.table or table)" };
        var decisionOption = new Option<string?>("--decision") { Description = "allow, deny or review" };
        var limitOption = new Option<int>("--limit") { Description = "At most this many rows, newest first", DefaultValueFactory = _ => 100 };
        var query = new Command("query", "Show statements from the audit store: who did what, when, and what policy decided")
        {
            configOption, subjectOption, tableOption, decisionOption, fromOption, toOption, limitOption,
        };
        query.SetAction(async (parse, cancellationToken) =>
        {
            if (Store(parse.GetValue(configOption)!) is not { } store)
            {
                return 2;
            }

            try
            {
                await using NpgsqlConnection connection = await store.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand(
                    """
                    SELECT started_at, coalesce(subject, '?'), coalesce(database, '?'), decision, coalesce(outcome, 'running'),
                           coalesce(rows, 0), coalesce(sqlstate, ''), left(regexp_replace(sql, '\s+', ' ', 'g'), 200)
                    FROM hoopgate_audit.statements
                    WHERE ($1::text IS NULL OR subject = $1)
                      AND ($2::text IS NULL OR $2 = ANY (tables_read) OR $2 = ANY (tables_written))
                      AND ($3::text IS NULL OR decision = $3)
                      AND started_at >= coalesce($4, '-infinity'::timestamptz) AND started_at < coalesce($5, 'infinity'::timestamptz)
                    ORDER BY started_at DESC LIMIT $6
                    """,
                    connection);
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)parse.GetValue(subjectOption) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)parse.GetValue(tableOption) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)parse.GetValue(decisionOption) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)parse.GetValue(fromOption)?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)parse.GetValue(toOption)?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                command.Parameters.AddWithValue(parse.GetValue(limitOption));
                await Console.Out.WriteLineAsync("started_at\tsubject\tdatabase\tdecision\toutcome\trows\tsqlstate\tsql");
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    await Console.Out.WriteLineAsync(string.Join('\t',
                        reader.GetDateTime(0).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                        reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                        reader.GetInt64(5).ToString(CultureInfo.InvariantCulture), reader.GetString(6), reader.GetString(7)));
                }

                return 0;
            }
            catch (NpgsqlException ex)
            {
                await Console.Error.WriteLineAsync("hoopgate: cannot read the audit store: " + ex.Message);
                return 1;
            }
        });

        return new Command("audit", "Work with the audit store") { migrate, verify, prune, hash, query, export };
    }

    private static AuditStore? Store(FileInfo config) => Services(config)?.GetRequiredService<AuditStore>();

    /// <summary>The configuration's services, once its audit settings are known to be valid (errors are printed).</summary>
    internal static IServiceProvider? Services(FileInfo config)
    {
        if (!config.Exists)
        {
            Console.Error.WriteLine("hoopgate: configuration file " + config.FullName + " does not exist");
            return null;
        }

        IHost host = GatewayHost.CreateBuilder(config.FullName).Build();
        try
        {
            // Resolving the store binds and validates the audit options.
            host.Services.GetRequiredService<AuditStore>();
            return host.Services;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            Console.Error.WriteLine("hoopgate: " + config.FullName + " is not valid:");
            foreach (string failure in ex.Failures)
            {
                Console.Error.WriteLine("  - " + failure);
            }

            return null;
        }
    }
}
