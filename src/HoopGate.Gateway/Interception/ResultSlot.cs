using HoopGate.Masking;

namespace HoopGate.Gateway.Interception;

/// <summary>
/// Where the mask plan of a prepared statement or portal lands when the server describes it. Filled by the
/// server→client pump (in answer order, so before any Execute that needs it), read by it too.
/// </summary>
internal sealed class ResultSlot
{
    private volatile ResultPlan? _plan;

    /// <summary>A Describe of it has been sent (by the client or the gateway): its plan will arrive before the next Execute's rows.</summary>
    public bool Requested { get; set; }

    public ResultPlan? Plan
    {
        get => _plan;
        set => _plan = value;
    }
}
