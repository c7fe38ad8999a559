namespace OrleansGate.Tests.Support;

/// <summary>Waits for something another process or loop does: polls until the condition holds, or fails with what was last seen.</summary>
public static class Eventually
{
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the condition did not hold in time; last seen: {value}");
            }

            await Task.Delay(50);
        }
    }

    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan? timeout = null) =>
        HoldsAsync(condition, held => held, timeout);

    public static Task HoldsAsync(Func<bool> condition, TimeSpan? timeout = null) =>
        HoldsAsync(() => Task.FromResult(condition()), held => held, timeout);
}
