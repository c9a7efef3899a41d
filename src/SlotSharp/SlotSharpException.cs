namespace SlotSharp;

/// <summary>An error caused by the user's input (a file, field, or argument); the message names it.</summary>
public class SlotSharpException(string message, Exception? inner = null) : Exception(message, inner);
