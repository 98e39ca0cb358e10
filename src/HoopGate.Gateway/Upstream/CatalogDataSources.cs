using System.Collections.Concurrent;
using HoopGate.Gateway.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HoopGate.Gateway.Upstream;

/// <summary>
/// The gateway's own small Npgsql connections to each upstream database, for reading the catalog that masking needs:
/// the upstream's default role (<c>HoopGate:Upstream:User</c>) and TLS settings, two connections at most per database.
/// </summary>
internal sealed class CatalogDataSources : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, NpgsqlDataSource> _sources = new(StringComparer.Ordinal);
    private readonly UpstreamOptions _options;
    private readonly Func<string> _password;

    public CatalogDataSources(IOptions<UpstreamOptions> options)
    {
        _options = options.Value;
        _password = UpstreamPassword.CreateResolver(_options.Password, _options.PasswordFile);
    }

    public NpgsqlDataSource For(string database) => _sources.GetOrAdd(database, Create);

    public async ValueTask DisposeAsync()
    {
        foreach (NpgsqlDataSource source in _sources.Values)
        {
            await source.DisposeAsync();
        }
    }

    private NpgsqlDataSource Create(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = _options.Host,
            Port = _options.Port,
            Username = _options.User,
            Database = database,
            MaxPoolSize = 2,
            ApplicationName = "hoopgate catalog",
            Timeout = (int)Math.Ceiling(_options.ConnectTimeoutSeconds),
            SslMode = _options.SslMode switch
            {
                UpstreamSslMode.Disable => SslMode.Disable,
                UpstreamSslMode.Require => SslMode.Require,
                UpstreamSslMode.VerifyCA => SslMode.VerifyCA,
                UpstreamSslMode.VerifyFull => SslMode.VerifyFull,
                _ => SslMode.Prefer,
            },
            RootCertificate = _options.RootCertificatePath,
        };
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        dataSource.UsePasswordProvider(_ => _password(), (_, _) => new ValueTask<string>(_password()));
        return dataSource.Build();
    }
}
