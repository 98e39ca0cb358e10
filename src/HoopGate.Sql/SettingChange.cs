namespace HoopGate.Sql;

/// <summary>A run-time setting a statement changes.</summary>
/// <param name="Action">SET, RESET or RESET ALL.</param>
/// <param name="Name">The setting, lower-cased (setting names are case-insensitive); <see langword="null"/> for RESET ALL, or when
/// <c>set_config</c> takes its name from an expression the analyser cannot evaluate.</param>
/// <param name="Value">The new value when it is a constant, lower-cased; <see langword="null"/> for DEFAULT, RESET or a computed value.</param>
/// <param name="IsLocal">SET LOCAL, or <c>set_config(…, true)</c>: only until the end of the transaction.</param>
/// <param name="ViaFunction">Made by a <c>set_config</c> call rather than a SET statement.</param>
public sealed record SettingChange(SettingAction Action, string? Name, string? Value, bool IsLocal, bool ViaFunction);
