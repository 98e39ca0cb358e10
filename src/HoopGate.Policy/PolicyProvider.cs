using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HoopGate.Policy;

/// <summary>
/// Holds the current <see cref="PolicySnapshot"/> and replaces it when the file changes or the process gets SIGHUP.
/// A new file that does not load is refused with its errors logged, and the old policy stays: sessions never run
/// without one, and a typo never opens the gate.
/// </summary>
public sealed partial class PolicyProvider : IHostedService, IDisposable
{
    private readonly PolicyOptions _options;
    private readonly ILogger<PolicyProvider> _logger;
    private readonly Lock _reload = new();
    private PolicySnapshot _current;
    private byte[] _currentHash;
    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _sighup;
    private Timer? _debounce;

    /// <summary>Loads the policy file.</summary>
    /// <exception cref="InvalidOperationException">The file is missing or invalid (the message lists every error).</exception>
    public PolicyProvider(IOptions<PolicyOptions> options, ILogger<PolicyProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        string path = _options.Path ?? throw new InvalidOperationException("HoopGate:Policy:Path is required");
        (PolicyLoadResult result, byte[] hash) = Read(path);
        _current = result.Snapshot ?? throw new InvalidOperationException("the policy file is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, result.Errors));
        _currentHash = hash;
        LogLoaded(_current.Version, path);
    }

    /// <summary>The policy in force.</summary>
    public PolicySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Reads the file again; keeps the current policy when the new one has errors.</summary>
    /// <returns>True when a new policy is now in force.</returns>
    public bool Reload()
    {
        lock (_reload)
        {
            string path = _options.Path!;
            (PolicyLoadResult result, byte[] hash) = Read(path);
            if (result.Snapshot is null)
            {
                LogReloadRejected(path, string.Join("; ", result.Errors));
                return false;
            }

            if (hash.AsSpan().SequenceEqual(_currentHash))
            {
                LogUnchanged(path);
                return false;
            }

            Volatile.Write(ref _current, result.Snapshot);
            _currentHash = hash;
            LogLoaded(result.Snapshot.Version, path);
            return true;
        }
    }

    /// <summary>Starts watching the file and listening for SIGHUP.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _debounce = new Timer(_ => ReloadFromTimer(), null, Timeout.Infinite, Timeout.Infinite);
        if (!OperatingSystem.IsWindows())
        {
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                // Reload instead of the default action (ending the process).
                context.Cancel = true;
                ScheduleReload(0);
            });
        }

        if (_options.WatchFile)
        {
            // Watch the directory, not the file: editors and Kubernetes ConfigMaps replace files by rename.
            string full = Path.GetFullPath(_options.Path!);
            _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            _watcher.Changed += (_, _) => ScheduleReload(_options.ReloadDelayMilliseconds);
            _watcher.Created += (_, _) => ScheduleReload(_options.ReloadDelayMilliseconds);
            _watcher.Renamed += (_, _) => ScheduleReload(_options.ReloadDelayMilliseconds);
            _watcher.EnableRaisingEvents = true;
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops watching.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _watcher?.Dispose();
        _watcher = null;
        _sighup?.Dispose();
        _sighup = null;
        _debounce?.Dispose();
        _debounce = null;
    }

    private void ScheduleReload(int delayMilliseconds)
    {
        try
        {
            _debounce?.Change(delayMilliseconds, Timeout.Infinite);
        }
        catch (ObjectDisposedException)
        {
            // A change seen while stopping: nothing left to reload for.
        }
    }

    private void ReloadFromTimer()
    {
        try
        {
            Reload();
        }
#pragma warning disable CA1031 // A timer callback is a boundary: an exception there would end the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogReloadFailed(_options.Path!, ex);
        }
    }

    private static (PolicyLoadResult Result, byte[] Hash) Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (PolicyLoadResult.Failed([path + ": cannot read the policy file: " + ex.Message]), []);
        }

        string text = new System.Text.UTF8Encoding(false).GetString(bytes);
        return (PolicyLoader.Load(text, path), SHA256.HashData(bytes));
    }

    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Policy {Version} loaded from {Path}")]
    private partial void LogLoaded(int version, string path);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Policy file {Path} was not loaded; the previous policy stays in force: {Errors}")]
    private partial void LogReloadRejected(string path, string errors);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Policy file {Path} is unchanged")]
    private partial void LogUnchanged(string path);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Reloading policy file {Path} failed; the previous policy stays in force")]
    private partial void LogReloadFailed(string path, Exception exception);
}
