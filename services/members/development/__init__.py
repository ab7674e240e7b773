"""The development pipeline (发展党员): the steps from application to full membership as data, each
person's dated record of them, the political status changed only by its milestone steps, the
branch's view and the deadline reminders."""
