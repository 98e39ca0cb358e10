namespace HoopGate.Protocol.Backend;

/// <summary>The transaction status byte of ReadyForQuery.</summary>
public enum TransactionStatus : byte
{
    /// <summary>'I' idle, not in a transaction block.</summary>
    Idle = (byte)'I',

    /// <summary>'T' in a transaction block.</summary>
    InTransactionBlock = (byte)'T',

    /// <summary>'E' in a failed transaction block (statements rejected until the block ends).</summary>
    InFailedTransactionBlock = (byte)'E',
}
