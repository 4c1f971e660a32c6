using Humanizer;

namespace Module2;

public static class Clock
{
    public static string Since(DateTime start, DateTime now) => (now - start).Humanize();
}
