using Microsoft.Extensions.Hosting;

namespace HoopGate.Demo;

/// <summary>
/// A host lifetime that leaves Ctrl-C and SIGTERM alone. The development issuer's web host is embedded in another
/// process (a test run, the demo, <c>hoopgate dev-issuer</c>); the default console lifetime would catch those
/// signals and stop only the issuer. Its owner stops it through <see cref="DevelopmentIssuer.DisposeAsync"/>.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    /// <inheritdoc/>
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
