namespace HoopGate.Sql;

/// <summary>What a statement does to a run-time setting.</summary>
public enum SettingAction
{
    /// <summary>SET name = value, SET name TO DEFAULT, or <c>set_config(name, value, …)</c>.</summary>
    Set,

    /// <summary>RESET name.</summary>
    Reset,

    /// <summary>RESET ALL: every setting back to its session default.</summary>
    ResetAll,
}
