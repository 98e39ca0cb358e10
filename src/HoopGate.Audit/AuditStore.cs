using Microsoft.Extensions.Options;
using Npgsql;

namespace HoopGate.Audit;

/// <summary>Connections to the audit store, with the password from <see cref="AuditOptions.PasswordFile"/> when given.</summary>
public sealed class AuditStore
{
    private readonly NpgsqlDataSource? _dataSource;

    /// <summary>Creates the data source (nothing connects yet).</summary>
    public AuditStore(IOptions<AuditOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.Value.ConnectionString))
        {
            return;
        }

        var builder = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString)
        {
            // The store is written in batches by one shipper; approvals keep one connection listening and use a few
            // briefly per request or decision. A small pool is plenty.
            MaxPoolSize = 8,
        };
        if (options.Value.PasswordFile is { Length: > 0 } file)
        {
            builder.Password = File.ReadAllText(file).TrimEnd('\r', '\n');
        }

        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>Opens a connection to the store.</summary>
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        (_dataSource ?? throw new InvalidOperationException("HoopGate:Audit:ConnectionString is not set")).OpenConnectionAsync(cancellationToken);
}
