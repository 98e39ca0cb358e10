using Microsoft.Extensions.Options;

namespace HoopGate.Audit;

/// <summary>Checks the audit settings, reporting every problem at once.</summary>
internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        if (options.Mode == AuditMode.Off)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add("HoopGate:Audit:ConnectionString is required (the audit store); set HoopGate:Audit:Mode to Off only in test configurations");
        }

        if (string.IsNullOrWhiteSpace(options.SpoolDirectory))
        {
            errors.Add("HoopGate:Audit:SpoolDirectory is required: records are made durable there before statements run");
        }

        if (options.PasswordFile is { Length: > 0 } file && !File.Exists(file))
        {
            errors.Add("HoopGate:Audit:PasswordFile " + file + " does not exist");
        }

        if (options.Parameters == AuditParameterMode.Hashed)
        {
            if (string.IsNullOrEmpty(options.ParameterKey) && string.IsNullOrEmpty(options.ParameterKeyFile))
            {
                errors.Add("HoopGate:Audit:ParameterKey (or ParameterKeyFile) is required to record parameters as keyed hashes; or set HoopGate:Audit:Parameters to None or Raw");
            }
            else if (options.ParameterKeyFile is { Length: > 0 } keyFile && !File.Exists(keyFile))
            {
                errors.Add("HoopGate:Audit:ParameterKeyFile " + keyFile + " does not exist");
            }
            else if (string.IsNullOrEmpty(options.ParameterKeyFile) && options.ParameterKey!.Length < 32)
            {
                errors.Add("HoopGate:Audit:ParameterKey must be at least 32 characters");
            }
        }

        if (options.SegmentBytes < 4096)
        {
            errors.Add("HoopGate:Audit:SegmentBytes must be at least 4096");
        }

        if (options.ShipBatchSize is < 1 or > 100_000)
        {
            errors.Add("HoopGate:Audit:ShipBatchSize must be between 1 and 100000");
        }

        if (options.ShipIntervalMilliseconds is < 10 or > 60_000)
        {
            errors.Add("HoopGate:Audit:ShipIntervalMilliseconds must be between 10 and 60000");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
