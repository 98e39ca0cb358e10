using Microsoft.Extensions.Options;

namespace HoopGate.Approvals;

/// <summary>Checks <see cref="ApprovalOptions"/> at start.</summary>
internal sealed class ApprovalOptionsValidator : IValidateOptions<ApprovalOptions>
{
    public ValidateOptionsResult Validate(string? name, ApprovalOptions options)
    {
        var failures = new List<string>();
        if (options.Enabled && (options.ApproverGroups.Count == 0 || options.ApproverGroups.Any(string.IsNullOrWhiteSpace)))
        {
            failures.Add("HoopGate:Approvals:ApproverGroups must name at least one group, and no empty one");
        }

        if (!string.IsNullOrEmpty(options.WebhookUrl)
            && (!Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out Uri? webhook) || webhook.Scheme is not ("http" or "https")))
        {
            failures.Add("HoopGate:Approvals:WebhookUrl must be an absolute http(s) URL");
        }

        if (options.WebhookTimeoutSeconds is < 1 or > 60)
        {
            failures.Add("HoopGate:Approvals:WebhookTimeoutSeconds must be from 1 to 60");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
